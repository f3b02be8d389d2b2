// {{name}}: an HTTP handler for edgectl.
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1): the request
// comes in as CGI environment variables plus the body on stdin, and the response goes to
// stdout as header lines, an empty line, then the body. Returning from main (exit 0) means
// the response is written; a non-zero exit or a panic becomes a 500.
//
// A request to /visits counts visits in the key-value store "default" (declared in
// edgectl.toml) through the edgectl host API (package {{name}}/edgectl); every other path
// answers the greeting.
package main

import (
	"fmt"
	"io"
	"os"

	"{{name}}/edgectl"
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

	if path == "/visits" {
		visits()
		return
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

// visits adds one to the key "visits" of the store "default", atomically, and answers the
// count.
func visits() {
	store, err := edgectl.OpenStore("default")
	var n int64
	if err == nil {
		n, err = store.Increment("visits", 1)
	}
	if err != nil {
		fmt.Print("Status: 500 Internal Server Error\nContent-Type: text/plain; charset=utf-8\n\n")
		fmt.Println(err)
		return
	}
	fmt.Print("Content-Type: text/plain; charset=utf-8\n\n")
	fmt.Println("visits:", n)
}
