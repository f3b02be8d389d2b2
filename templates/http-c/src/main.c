// {{name}}: an HTTP handler for edgectl.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Exit 0 when the response is
// written; anything else becomes a 500.
#include <stdio.h>
#include <stdlib.h>

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

int main(void) {
  const char* method = env_or_empty("REQUEST_METHOD");
  const char* path = env_or_empty("PATH_INFO");
  const char* query = env_or_empty("QUERY_STRING");
  size_t body = body_length();

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
