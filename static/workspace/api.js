// The workspace's requests: JSON in and out, never throwing on an HTTP status
// (the caller decides what a 401, 412 or 422 means). fetch sends the Origin
// header on POST/PUT/PATCH/DELETE, which the server's CSRF check requires.

export async function api(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json, application/geo+json", ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(new URL(path, document.baseURI), init);
  } catch (err) {
    return { ok: false, status: 0, data: { error: err.message }, headers: new Headers() };
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = { error: text };
    }
  }
  return { ok: res.ok, status: res.status, data, headers: res.headers, etag: res.headers.get("ETag") };
}

// errorText is what a failed answer says, for a status line.
export function errorText(r) {
  if (!r) return "";
  const d = r.data || {};
  const reasons = Array.isArray(d.reasons) ? `: ${d.reasons.join("; ")}` : "";
  return `${d.error || r.status}${reasons}`;
}
