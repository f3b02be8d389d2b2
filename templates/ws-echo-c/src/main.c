// {{name}}: a WebSocket echo handler for edgectl.
//
// The server owns the connection (handshake, pings, timeouts, limits) and runs this program
// once per event, with the upgrade request's CGI environment plus WS_EVENT (open | message |
// close), WS_CONNECTION_ID and WS_MESSAGE_TYPE (text | binary). A message's payload is on
// stdin. What a message event writes to stdout is sent back as one message of the type
// received, what the open event writes as a text message; writing nothing sends nothing. The
// close event's output is ignored. A failed open (non-zero exit, trap, timeout) closes the
// connection with 1011; a failed message event sends nothing and the connection stays open.
//
// Nothing survives between events: each one gets a fresh instance. Per-connection state
// belongs in the host's key-value store, keyed by WS_CONNECTION_ID (the host services are not
// there yet).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* env_or_empty(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// Copies stdin to stdout unchanged: text and binary payloads alike.
static int echo_stdin(void) {
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
    if (fwrite(chunk, 1, n, stdout) != n) return 1;
  }
  return ferror(stdin) ? 1 : 0;
}

int main(void) {
  const char* event = env_or_empty("WS_EVENT");

  if (strcmp(event, "open") == 0) {
    printf("Welcome to {{name}}, connection %s! Send a message and it comes back.",
           env_or_empty("WS_CONNECTION_ID"));
    return 0;
  }
  if (strcmp(event, "message") == 0) return echo_stdin();
  if (strcmp(event, "close") == 0) return 0;  // nothing to send on a closing connection

  if (event[0] == '\0') {
    // No WS_EVENT: the module is served on a route without `websocket = true`, so a plain
    // HTTP request reached it. Answer as CGI. (On a websocket route the server itself
    // answers plain requests with 426, and this branch is never reached.)
    printf("Status: 426 Upgrade Required\n");
    printf("Content-Type: text/plain; charset=utf-8\n\n");
    printf("{{name}} speaks WebSocket: connect with a WebSocket client.\n");
    return 0;
  }
  fprintf(stderr, "{{name}}: unexpected WS_EVENT '%s'\n", event);
  return 1;
}
