// {{name}}: a WebSocket echo handler for edgectl.
//
// The server owns the connection (handshake, pings, limits) and runs this program once per
// event, with the upgrade request's CGI environment plus WS_EVENT (open | message | close),
// WS_CONNECTION_ID and WS_MESSAGE_TYPE (text | binary). The message payload is on stdin.
// Whatever is written to stdout is sent back on the connection as one message of the same
// type; writing nothing sends nothing. A non-zero exit on "open" rejects the connection.
//
// Nothing survives between events: each one gets a fresh instance. Keep per-connection
// state in the host's key-value store, keyed by WS_CONNECTION_ID.
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
    // Not a WebSocket event: a plain HTTP request reached the handler. Answer as CGI.
    printf("Status: 426 Upgrade Required\n");
    printf("Content-Type: text/plain; charset=utf-8\n\n");
    printf("{{name}} speaks WebSocket: connect with a WebSocket client.\n");
    return 0;
  }
  fprintf(stderr, "{{name}}: unexpected WS_EVENT '%s'\n", event);
  return 1;
}
