"""Web console of TataMutasi (server-rendered, Indonesian first)."""
