// {{name}}: an HTTP handler for edgectl, built with TinyGo.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Returning from main (exit 0) means
// the response is written; a non-zero exit or a panic becomes a 500.
//
// It writes with os.Stdout and strconv rather than fmt: fmt's reflection roughly doubles
// the size of a TinyGo module.
package main

import (
	"io"
	"os"
	"strconv"
	"strings"
)

func main() {
	method := os.Getenv("REQUEST_METHOD")
	path := os.Getenv("PATH_INFO")
	query := os.Getenv("QUERY_STRING")
	if path == "" {
		path = "/"
	}

	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		os.Stderr.WriteString("reading the request body: " + err.Error() + "\n")
		os.Exit(1)
	}

	// Headers, an empty line, then the body. Add "Status: 404 Not Found" to change the
	// status (the default is 200).
	var out strings.Builder
	out.WriteString("Content-Type: text/plain; charset=utf-8\n\n")
	out.WriteString("Hello from {{name}}!\n")
	out.WriteString("method: " + method + "\n")
	out.WriteString("path:   " + path + "\n")
	out.WriteString("query:  " + query + "\n")
	out.WriteString("body:   " + strconv.Itoa(len(body)) + " bytes\n")
	if _, err := os.Stdout.WriteString(out.String()); err != nil {
		os.Exit(1)
	}
}
