// The ceiling: a bare node:http server that reads the request body and answers a constant Score-sized JSON.
// Whatever the scoring API does beyond this (routing, validation, inference, metrics) is its overhead.
import { createServer } from 'node:http';

const body = JSON.stringify({
  transaction_id: 1264132,
  fraud_probability: 0.01,
  is_fraud: false,
  model_version: '20261126T151017Z-random-forest-8e49e73a',
});

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log('listening');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
