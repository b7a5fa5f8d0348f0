/**
 * Preloaded into the autocannon process (`node -r …`) when a benchmark needs its load to come
 * from several client addresses: every TCP connection it opens is bound, in turn, to one of the
 * loopback addresses in CLIPADOR_BENCH_LOCAL_ADDRESSES (comma list, e.g. 127.0.0.1,127.0.0.2).
 * autocannon has no option for it; net.connect's localAddress is what a real second client is.
 */
'use strict';
const net = require('node:net');

const addresses = (process.env.CLIPADOR_BENCH_LOCAL_ADDRESSES ?? '')
  .split(',')
  .map((address) => address.trim())
  .filter((address) => address !== '');

if (addresses.length > 0) {
  const connect = net.connect;
  let next = 0;
  net.connect = net.createConnection = function boundConnect(...args) {
    const localAddress = addresses[next++ % addresses.length];
    if (typeof args[0] === 'number') {
      const [port, host, listener] = args;
      return connect.call(net, { port, host, localAddress }, listener);
    }
    if (args[0] && typeof args[0] === 'object' && !args[0].path) {
      return connect.call(net, { localAddress, ...args[0] }, ...args.slice(1));
    }
    return connect.apply(net, args);
  };
}
