// {{name}}: a WebSocket chat room for edgectl.
//
// Every connection to /chat is in the room. The server runs this program once per event
// (WS_EVENT = open | message | close, WS_CONNECTION_ID, the message on stdin; see the
// ws-echo-c template for the event contract). Nothing stays in memory between events:
// the room is the server's list of open connections on this route (edgectl_ws_connections)
// and each message is sent to every other one with edgectl_ws_send (src/edgectl.h, the
// host API). The store counts the messages the room has seen.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgectl.h"

static const char* env_or_empty(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// Sends `text` to every connection in the room but `except` ("" for everyone).
static void broadcast(const char* text, size_t len, const char* except) {
  static char ids[64 * 1024];
  uint32_t ids_len = 0;
  if (edgectl_ws_connections(ids, sizeof ids, &ids_len) != EDGECTL_OK) return;
  for (char* line = ids; line < ids + ids_len;) {
    char* end = memchr(line, '\n', (size_t)(ids + ids_len - line));
    if (!end) break;
    *end = '\0';
    if (strcmp(line, except) != 0) edgectl_ws_send(line, strlen(line), 0, text, len);
    line = end + 1;
  }
}

int main(void) {
  const char* event = env_or_empty("WS_EVENT");
  const char* me = env_or_empty("WS_CONNECTION_ID");
  static char message[64 * 1024];

  if (strcmp(event, "open") == 0) {
    int n = snprintf(message, sizeof message, "* %s joined", me);
    broadcast(message, (size_t)n, me);
    printf("Welcome to {{name}}, %s. Messages you send go to everyone else in the room.", me);
    return 0;
  }
  if (strcmp(event, "message") == 0) {
    int prefix = snprintf(message, sizeof message, "%s: ", me);
    size_t n = fread(message + prefix, 1, sizeof message - (size_t)prefix, stdin);
    broadcast(message, (size_t)prefix + n, me);
    uint32_t kv;
    int64_t count = 0;
    if (edgectl_kv_open_str("default", &kv) == EDGECTL_OK) edgectl_kv_increment_str(kv, "messages", 1, &count);
    return 0;  // nothing back to the sender: it has its own message
  }
  if (strcmp(event, "close") == 0) {
    int n = snprintf(message, sizeof message, "* %s left", me);
    broadcast(message, (size_t)n, me);
    return 0;
  }
  if (event[0] == '\0') {
    printf("Status: 426 Upgrade Required\nContent-Type: text/plain; charset=utf-8\n\n");
    printf("{{name}} is a WebSocket chat room: connect to /chat with a WebSocket client.\n");
    return 0;
  }
  fprintf(stderr, "{{name}}: unexpected WS_EVENT '%s'\n", event);
  return 1;
}
