// The webhook benchmark's floor: a bare node:https server that reads and parses the review and
// sends back a fixed answer (the one hush gave, with the request's uid), and nothing else.
//   node scripts/lib/https-floor.mjs PORT CERT KEY ANSWER_JSON
import { readFileSync } from "node:fs";
import { createServer } from "node:https";

const [port, certFile, keyFile, answerFile] = process.argv.slice(2);
const answer = JSON.parse(readFileSync(answerFile, "utf8"));
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  if (req.method === "GET") {
    res.end("ok");
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const review = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const out = JSON.stringify({ ...answer, response: { ...answer.response, uid: review.request.uid } });
    res.writeHead(200, { "content-type": "application/json" }).end(out);
  });
});
server.listen(Number(port), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
