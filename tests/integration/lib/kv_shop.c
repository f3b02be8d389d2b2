// The shop handler of the key-value integration tests (lib/kv_shop.sh).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "edgectl.h"

static const char* env(const char* name) { const char* v = getenv(name); return v ? v : ""; }

static int reply(int status, const char* text) {
  printf("Status: %d\nContent-Type: text/plain\n\n%s\n", status, text);
  return 0;
}

int main(void) {
  const char* path = env("PATH_INFO");
  uint32_t kv;
  if (strcmp(path, "/other-store") == 0) {
    char code[8];
    snprintf(code, sizeof code, "%d", edgectl_kv_open_str("secrets", &kv));
    return reply(200, code);
  }
  if (edgectl_kv_open_str("default", &kv) != EDGECTL_OK) return reply(500, "cannot open the store");
  if (strcmp(path, "/seed") == 0) {
    const char* n = env("QUERY_STRING");
    edgectl_kv_set(kv, "stock", 5, n, strlen(n));
    edgectl_log_str(EDGECTL_INFO, "stock seeded");
    return reply(200, n);
  }
  if (strcmp(path, "/buy") == 0) {
    int64_t left = 0;
    if (edgectl_kv_increment_str(kv, "stock", -1, &left) != EDGECTL_OK) return reply(500, "increment failed");
    if (left < 0) {
      edgectl_kv_increment_str(kv, "stock", 1, &left);  /* give it back: sold out */
      return reply(409, "sold out");
    }
    edgectl_kv_increment_str(kv, "sold", 1, &left);
    return reply(200, "bought");
  }
  if (strcmp(path, "/stock") == 0) {
    char buf[32];
    uint32_t len = 0;
    int rc = edgectl_kv_get(kv, "stock", 5, buf, sizeof buf - 1, &len);
    if (rc != EDGECTL_OK) return reply(404, "no stock");
    buf[len] = 0;
    return reply(200, buf);
  }
  if (strncmp(path, "/fetch/", 7) == 0) {
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%s/delay/1", path + 7);
    uint32_t resp, status = 0, len = 0;
    int rc = edgectl_http_request("GET", 3, url, strlen(url), "X-From: guest\n", 14, "", 0, &resp);
    if (rc == EDGECTL_DENIED) return reply(403, "denied");
    if (rc != EDGECTL_OK) return reply(502, "outbound failed");
    char body[64];
    edgectl_http_response_status(resp, &status);
    edgectl_http_response_body(resp, body, sizeof body - 1, &len);
    body[len] = 0;
    char out[128];
    snprintf(out, sizeof out, "upstream said %u %s", status, body);
    return reply(200, out);
  }
  return reply(404, "no such path");
}
