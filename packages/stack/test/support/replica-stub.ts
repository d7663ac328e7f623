// A stand-in for the scoring API process in the replica set's real-process test: it answers /ready on
// HOST:PORT (no model to load, so it is ready in milliseconds) and drains and exits 0 on SIGTERM.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  response.writeHead(request.url === '/ready' ? 200 : 404).end();
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
});
