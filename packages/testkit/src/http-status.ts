import { request } from "node:http";

/** The HTTP status of one plain-HTTP request to a loopback peer (a readiness or control probe). */
export function httpStatus(url: string, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: 2_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("probe timed out")));
    req.on("error", reject);
    req.end();
  });
}
