# workerd config for scripts/bench/serve.sh: one worker serving the http-c hello handler
# through hello-worker.mjs. serve.sh copies this file, the worker and the built hello.wasm
# into one folder (`embed` paths are relative to this file) and gives the listen address on
# the command line: workerd serve config.capnp --socket-addr http=127.0.0.1:PORT
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "hello", worker = .helloWorker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8080", http = (), service = "hello") ],
);

const helloWorker :Workerd.Worker = (
  modules = [
    (name = "hello-worker.mjs", esModule = embed "hello-worker.mjs"),
    # A `wasm` module is compiled once when workerd loads the config; the worker imports it
    # as a WebAssembly.Module and instantiates it per request.
    (name = "hello.wasm", wasm = embed "hello.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
