// {{name}}: an HTTP handler for edgectl.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Returning from main (exit 0) means
// the response is written; a non-zero exit or a panic becomes a 500.
package main

import (
	"fmt"
	"io"
	"os"
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
		fmt.Fprintln(os.Stderr, "reading the request body:", err)
		os.Exit(1)
	}

	// Headers, an empty line, then the body. Add "Status: 404 Not Found" to change the
	// status (the default is 200).
	fmt.Print("Content-Type: text/plain; charset=utf-8\n\n")
	fmt.Println("Hello from {{name}}!")
	fmt.Println("method:", method)
	fmt.Println("path:  ", path)
	fmt.Println("query: ", query)
	fmt.Printf("body:   %d bytes\n", len(body))
}
