"""`python -m tatamutasi_web`: serve the console (host and port from TATAMUTASI_WEB_*)."""

import uvicorn

from tatamutasi_web.settings import WebSettings


def main() -> None:
    settings = WebSettings()
    uvicorn.run(
        "tatamutasi_web.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        access_log=False,
    )


if __name__ == "__main__":
    main()
