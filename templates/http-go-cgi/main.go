// {{name}}: a standard net/http handler, served by edgectl through net/http/cgi.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1). cgi.Serve reads
// the request from the CGI environment (REQUEST_METHOD, REQUEST_URI, REMOTE_ADDR,
// REMOTE_PORT, HTTP_* headers, ...) and the body from stdin, runs the handler, and writes
// the response to stdout. So the handler is ordinary net/http code: the same mux would
// serve under http.ListenAndServe.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cgi"
	"os"
)

// maxEchoBytes bounds what POST /echo reads (edgectl's own --max-body applies first).
const maxEchoBytes = 1 << 20

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", hello)
	mux.HandleFunc("GET /items/{id}", item)
	mux.HandleFunc("POST /echo", echo)
	if err := cgi.Serve(withRequestURI(mux)); err != nil {
		fmt.Fprintln(os.Stderr, "cgi:", err)
		os.Exit(1)
	}
}

// GET / → a greeting.
func hello(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"message":     "Hello from {{name}}!",
		"request_uri": r.RequestURI,
		"remote_addr": r.RemoteAddr,
	})
}

// GET /items/{id} → the item id from the path and the query parameters.
func item(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id":          r.PathValue("id"),
		"query":       r.URL.Query(),
		"request_uri": r.RequestURI,
		"remote_addr": r.RemoteAddr,
	})
}

// POST /echo → the request body back, with its type and size.
func echo(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEchoBytes))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"body":         string(body),
		"bytes":        len(body),
		"content_type": r.Header.Get("Content-Type"),
		"request_uri":  r.RequestURI,
		"remote_addr":  r.RemoteAddr,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "?a=1&b=2" as written, not "\u0026"
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, "writing the response:", err)
	}
}

// withRequestURI sets r.RequestURI from REQUEST_URI. net/http/cgi builds r.URL from it but
// (up to Go 1.23 at least) leaves r.RequestURI empty, where net/http's own server sets the
// request-target as the client sent it; handlers and middleware that log it expect it set.
func withRequestURI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "" {
			r.RequestURI = os.Getenv("REQUEST_URI")
		}
		next.ServeHTTP(w, r)
	})
}
