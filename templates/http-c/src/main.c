// {{name}}: an HTTP handler for edgectl.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Exit 0 when the response is
// written; anything else becomes a 500.
//
// A request to /visits counts visits in the key-value store "default" (declared in
// edgectl.toml) through the edgectl host API (src/edgectl.h); every other path answers the
// greeting.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edgectl.h"

// getenv() returns NULL for unset variables; print those as empty strings.
static const char* env_or_empty(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// Reads the whole request body and returns its length in bytes.
static size_t body_length(void) {
  char chunk[4096];
  size_t total = 0;
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) total += n;
  return total;
}

// Adds one to the key "visits" of the store "default", atomically, and answers the count.
static int visits(void) {
  uint32_t store;
  int64_t count = 0;
  int32_t rc = edgectl_kv_open_str("default", &store);
  if (rc == EDGECTL_OK) rc = edgectl_kv_increment_str(store, "visits", 1, &count);
  if (rc != EDGECTL_OK) {
    printf("Status: 500 Internal Server Error\nContent-Type: text/plain; charset=utf-8\n\n");
    printf("edgectl host API error %d\n", (int)rc);
    return 0;
  }
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("visits: %" PRId64 "\n", count);
  return 0;
}

int main(void) {
  const char* method = env_or_empty("REQUEST_METHOD");
  const char* path = env_or_empty("PATH_INFO");
  const char* query = env_or_empty("QUERY_STRING");
  size_t body = body_length();
  if (strcmp(path, "/visits") == 0) return visits();

  // Headers, an empty line, then the body. Add "Status: 404 Not Found" to change the
  // status (the default is 200).
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("Hello from {{name}}!\n");
  printf("method: %s\n", method);
  printf("path:   %s\n", path[0] ? path : "/");
  printf("query:  %s\n", query);
  printf("body:   %zu bytes\n", body);
  return 0;
}
