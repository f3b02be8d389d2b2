/* edgectl host API, version 1, for C (clang --target=wasm32-wasi).
 * Key-value stores, outbound HTTP, logging and WebSocket sends from a function served by
 * `edgectl serve`. Reference: docs/host-api.md in the edgectl repository.
 *
 * Every function returns an edgectl_status. Outputs go through pointers; a buffer too small
 * gives EDGECTL_BUFFER_TOO_SMALL with the size needed in *len_out. Pointers outside the
 * module's memory trap. Declare what a component uses in edgectl.toml:
 *   key_value_stores = ["default"]
 *   allowed_outbound_hosts = ["https://api.example.com"]
 */
#ifndef EDGECTL_H
#define EDGECTL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EDGECTL_API_VERSION 1
#define EDGECTL_IMPORT(name) __attribute__((import_module("edgectl"), import_name(#name)))

typedef enum {
  EDGECTL_OK = 0,
  EDGECTL_NOT_FOUND = 1,
  EDGECTL_BUFFER_TOO_SMALL = 2,
  EDGECTL_DENIED = 3,
  EDGECTL_INVALID = 4,
  EDGECTL_KEY_TOO_LARGE = 5,
  EDGECTL_VALUE_TOO_LARGE = 6,
  EDGECTL_CONFLICT = 7,
  EDGECTL_STORE_ERROR = 8,
  EDGECTL_BAD_HANDLE = 9,
  EDGECTL_TIMEOUT = 10,
  EDGECTL_UNAVAILABLE = 11,
  EDGECTL_TOO_MANY = 12,
  EDGECTL_HTTP_ERROR = 13,
} edgectl_status;

typedef enum { EDGECTL_TRACE = 0, EDGECTL_DEBUG = 1, EDGECTL_INFO = 2, EDGECTL_WARN = 3, EDGECTL_ERROR = 4 } edgectl_level;

#define EDGECTL_KV_MAX_KEY 256
#define EDGECTL_KV_MAX_VALUE (1024 * 1024)
#define EDGECTL_EXPECT_ABSENT 0xFFFFFFFFu /* kv_compare_and_swap: only if the key is absent */

EDGECTL_IMPORT(api_version) int32_t edgectl_api_version(void);
EDGECTL_IMPORT(log) int32_t edgectl_log(uint32_t level, const char* message, size_t len);

EDGECTL_IMPORT(kv_open) int32_t edgectl_kv_open(const char* name, size_t name_len, uint32_t* handle);
EDGECTL_IMPORT(kv_get)
int32_t edgectl_kv_get(uint32_t store, const void* key, size_t key_len, void* buf, size_t buf_len, uint32_t* len_out);
EDGECTL_IMPORT(kv_set) int32_t edgectl_kv_set(uint32_t store, const void* key, size_t key_len, const void* value, size_t value_len);
EDGECTL_IMPORT(kv_delete) int32_t edgectl_kv_delete(uint32_t store, const void* key, size_t key_len);
EDGECTL_IMPORT(kv_exists) int32_t edgectl_kv_exists(uint32_t store, const void* key, size_t key_len, uint32_t* exists);
/* Keys with `prefix`: as many as fit in buf, each a little-endian u32 length then its bytes.
 * Start with cursor 0; *next_cursor is 0 when there are no more. */
EDGECTL_IMPORT(kv_list)
int32_t edgectl_kv_list(uint32_t store, const void* prefix, size_t prefix_len, uint64_t cursor, void* buf, size_t buf_len,
                        uint32_t* len_out, uint64_t* next_cursor);
/* Adds delta to the decimal integer at key (absent: 0), atomically; the new value in *result. */
EDGECTL_IMPORT(kv_increment)
int32_t edgectl_kv_increment(uint32_t store, const void* key, size_t key_len, int64_t delta, int64_t* result);
/* Sets key to value only if it holds `expected` (expected_len EDGECTL_EXPECT_ABSENT: only if
 * absent), atomically; EDGECTL_CONFLICT otherwise. */
EDGECTL_IMPORT(kv_compare_and_swap)
int32_t edgectl_kv_compare_and_swap(uint32_t store, const void* key, size_t key_len, const void* expected,
                                    size_t expected_len, const void* value, size_t value_len);

/* headers: "Name: value" lines separated by '\n'. The response stays readable until
 * http_close (or the end of the request). */
EDGECTL_IMPORT(http_request)
int32_t edgectl_http_request(const char* method, size_t method_len, const char* url, size_t url_len, const char* headers,
                             size_t headers_len, const void* body, size_t body_len, uint32_t* response);
EDGECTL_IMPORT(http_response_status) int32_t edgectl_http_response_status(uint32_t response, uint32_t* status);
EDGECTL_IMPORT(http_response_headers)
int32_t edgectl_http_response_headers(uint32_t response, char* buf, size_t buf_len, uint32_t* len_out);
EDGECTL_IMPORT(http_response_body) int32_t edgectl_http_response_body(uint32_t response, void* buf, size_t buf_len, uint32_t* len_out);
EDGECTL_IMPORT(http_close) int32_t edgectl_http_close(uint32_t response);

/* For handlers of WebSocket routes: an empty connection id means the connection this
 * event is for. kind: 0 text, 1 binary. ws_connections lists the route's ids, one per line. */
EDGECTL_IMPORT(ws_send)
int32_t edgectl_ws_send(const char* connection, size_t connection_len, uint32_t kind, const void* data, size_t len);
EDGECTL_IMPORT(ws_close) int32_t edgectl_ws_close(const char* connection, size_t connection_len, uint32_t code);
EDGECTL_IMPORT(ws_connections) int32_t edgectl_ws_connections(char* buf, size_t buf_len, uint32_t* len_out);

/* Conveniences for NUL-terminated strings. */
static inline int32_t edgectl_log_str(edgectl_level level, const char* message) {
  return edgectl_log((uint32_t)level, message, strlen(message));
}
static inline int32_t edgectl_kv_open_str(const char* name, uint32_t* handle) {
  return edgectl_kv_open(name, strlen(name), handle);
}
static inline int32_t edgectl_kv_increment_str(uint32_t store, const char* key, int64_t delta, int64_t* result) {
  return edgectl_kv_increment(store, key, strlen(key), delta, result);
}

#endif /* EDGECTL_H */
