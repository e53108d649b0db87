// RFC 9162 inclusion-proof verification and C2SP signed-note checkpoint signature check,
// with WebCrypto (SHA-256, Ed25519). Written for TataMutasi; no third-party code.
"use strict";
(function (global) {
  function b64ToBytes(b64) {
    const bin = atob(b64.trim());
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }
  async function leafHash(entry) {
    return sha256(concat(new Uint8Array([0]), entry));
  }
  async function nodeHash(left, right) {
    return sha256(concat(new Uint8Array([1]), left, right));
  }
  // RFC 9162 §2.1.3.2. Sizes are below 2^53, so plain numbers with Math.floor are exact.
  async function rootFromInclusionProof(index, size, leaf, proof) {
    if (index >= size || index < 0) throw new Error("index outside the tree");
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error("proof too long");
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("proof too short");
    return r;
  }
  async function verifyInclusion(entry, index, size, proof, root) {
    const leaf = await leafHash(entry);
    const computed = await rootFromInclusionProof(index, size, leaf, proof);
    return { leaf, computed, ok: equal(computed, root) };
  }
  // C2SP signed note: body lines, blank line, then "— name base64(keyhash4 ‖ signature)".
  function parseNote(text) {
    const at = text.indexOf("\n\n");
    if (at < 0) throw new Error("not a signed note");
    const body = text.slice(0, at + 1);
    const sigs = text.slice(at + 2).split("\n").filter((l) => l.startsWith("\u2014 "));
    const lines = body.split("\n");
    return {
      body,
      origin: lines[0],
      size: Number(lines[1]),
      root: lines[2],
      signatures: sigs.map((l) => { const [, name, b64] = l.split(" "); return { name, bytes: b64ToBytes(b64) }; }),
    };
  }
  async function verifyNote(text, vkey) {
    // name+hash+base64: the name has no "+", but base64 may.
    const parts = vkey.split("+");
    const name = parts[0], hashHex = parts[1], keyB64 = parts.slice(2).join("+");
    const raw = b64ToBytes(keyB64);
    if (raw[0] !== 1 || raw.length !== 33) throw new Error("not an Ed25519 verifier key");
    const note = parseNote(text);
    const sig = note.signatures.find((s) => s.name === name &&
      Array.from(s.bytes.slice(0, 4)).map((b) => b.toString(16).padStart(2, "0")).join("") === hashHex);
    if (!sig) return { note, ok: false, supported: true };
    let key;
    try {
      key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      return { note, ok: null, supported: false };
    }
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, sig.bytes.slice(4), new TextEncoder().encode(note.body));
    return { note, ok, supported: true };
  }
  global.TMMerkle = { b64ToBytes, leafHash, nodeHash, rootFromInclusionProof, verifyInclusion, parseNote, verifyNote, equal };

  async function verifyPage(box) {
    const out = box.querySelector("[data-result]");
    const sigOut = box.querySelector("[data-signature]");
    const d = box.dataset;
    try {
      const entry = b64ToBytes(d.entry);
      const proof = JSON.parse(d.proof).map(b64ToBytes);
      const root = b64ToBytes(d.root);
      const res = await verifyInclusion(entry, Number(d.index), Number(d.size), proof, root);
      const leafOk = equal(res.leaf, b64ToBytes(d.leaf));
      const note = parseNote(d.checkpoint);
      const cpOk = note.size === Number(d.size) && equal(b64ToBytes(note.root), root);
      const ok = res.ok && leafOk && cpOk;
      out.textContent = ok ? d.okText : d.failText;
      out.className = ok ? "verdict ok" : "verdict bad";
      out.setAttribute("data-verified", ok ? "true" : "false");
    } catch (e) {
      out.textContent = d.failText + " (" + e.message + ")";
      out.className = "verdict bad";
      out.setAttribute("data-verified", "false");
    }
    try {
      const sig = await verifyNote(d.checkpoint, d.vkey);
      sigOut.textContent = sig.supported ? (sig.ok ? d.sigOk : d.sigBad) : d.sigNa;
      sigOut.setAttribute("data-signature-valid", String(sig.ok));
      sigOut.className = sig.ok ? "verdict ok" : (sig.supported ? "verdict bad" : "verdict");
    } catch (e) {
      sigOut.textContent = d.sigBad + " (" + e.message + ")";
      sigOut.className = "verdict bad";
      sigOut.setAttribute("data-signature-valid", "false");
    }
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-inclusion]").forEach((box) => {
      const btn = box.querySelector("button");
      btn.addEventListener("click", () => verifyPage(box));
      verifyPage(box);
    });
  });
})(window);
