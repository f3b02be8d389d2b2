// {{name}}: a stock counter for edgectl, on the host's key-value store.
//
//	PUT  /stock?n=N      sets the stock to N                      200 {"stock":N}
//	GET  /stock          reads it                                 200 {"stock":N}
//	POST /orders?qty=N   takes N (default 1) from the stock       201 {"ok":true,"left":N}
//	                     or refuses when there is not enough      409 {"error":"sold out"}
//
// Each request runs this program once, as a WASI command (WAGI / CGI/1.1), and many run at
// once, so nothing here may read the stock, check it and write it back: two buyers could
// both see the last item. An order instead subtracts its quantity in one atomic step
// (Increment by -qty, which returns the new value) and, if that went below zero, adds it
// back and answers 409. However many orders race, at most the stock is ever sold.
package main

import (
	"net/url"
	"os"
	"strconv"
	"strings"

	"{{name}}/edgectl"
)

const (
	storeName = "default" // declared in edgectl.toml (key_value_stores)
	stockKey  = "stock"   // a decimal integer, as Increment reads and writes it
	maxQty    = 1_000_000_000
)

func main() {
	method := os.Getenv("REQUEST_METHOD")
	path := os.Getenv("PATH_INFO")
	query, err := url.ParseQuery(os.Getenv("QUERY_STRING"))
	if err != nil {
		reply(400, `{"error":"malformed query string"}`)
		return
	}

	switch path {
	case "/orders":
		if method != "POST" {
			notAllowed("POST")
			return
		}
		order(query)
	case "/stock":
		switch method {
		case "GET", "HEAD":
			readStock()
		case "PUT":
			setStock(query)
		default:
			notAllowed("GET, HEAD, PUT")
		}
	case "", "/":
		reply(200, `{"routes":["PUT /stock?n=N","GET /stock","POST /orders?qty=N"]}`)
	default:
		reply(404, `{"error":"not found"}`)
	}
}

// order takes qty items from the stock, or none if there are not that many left.
func order(query url.Values) {
	qty := int64(1)
	if q := query.Get("qty"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil || n < 1 || n > maxQty {
			reply(400, `{"error":"qty must be an integer from 1 to `+strconv.Itoa(maxQty)+`"}`)
			return
		}
		qty = n
	}
	store, ok := open()
	if !ok {
		return
	}
	left, err := store.Increment(stockKey, -qty)
	if err != nil {
		failed("taking from the stock", err)
		return
	}
	if left < 0 {
		// Not enough: put the quantity back. Until then the stock reads below zero, so a
		// concurrent order may be refused too; none is ever sold beyond the stock.
		if _, err := store.Increment(stockKey, qty); err != nil {
			failed("giving back to the stock", err)
			return
		}
		reply(409, `{"error":"sold out"}`)
		return
	}
	reply(201, `{"ok":true,"left":`+strconv.FormatInt(left, 10)+`}`)
}

func readStock() {
	store, ok := open()
	if !ok {
		return
	}
	value, found, err := store.Get(stockKey)
	if err != nil {
		failed("reading the stock", err)
		return
	}
	n := int64(0)
	if found {
		if n, err = strconv.ParseInt(string(value), 10, 64); err != nil {
			failed("reading the stock", err)
			return
		}
	}
	if n < 0 {
		n = 0 // an order is giving back what it could not take (see order)
	}
	reply(200, `{"stock":`+strconv.FormatInt(n, 10)+`}`)
}

func setStock(query url.Values) {
	n, err := strconv.ParseInt(query.Get("n"), 10, 64)
	if err != nil || n < 0 {
		reply(400, `{"error":"n must be an integer of 0 or more: PUT /stock?n=500"}`)
		return
	}
	store, ok := open()
	if !ok {
		return
	}
	if err := store.Set(stockKey, []byte(strconv.FormatInt(n, 10))); err != nil {
		failed("setting the stock", err)
		return
	}
	reply(200, `{"stock":`+strconv.FormatInt(n, 10)+`}`)
}

func open() (*edgectl.Store, bool) {
	store, err := edgectl.OpenStore(storeName)
	if err != nil {
		failed("opening the store", err)
		return nil, false
	}
	return store, true
}

// failed logs the error for the operator (edgectl serve's log, with the request id) and
// answers 500.
func failed(what string, err error) {
	edgectl.Log(edgectl.LevelError, what+": "+err.Error())
	reply(500, `{"error":`+jsonString(what+": "+err.Error())+`}`)
}

func notAllowed(allow string) {
	os.Stdout.WriteString("Status: 405 Method Not Allowed\nAllow: " + allow + "\nContent-Type: application/json\n\n" +
		`{"error":"method not allowed"}` + "\n")
}

// reply writes a CGI response: the status, the content type, an empty line, the body.
func reply(status int, body string) {
	os.Stdout.WriteString("Status: " + strconv.Itoa(status) + "\nContent-Type: application/json\n\n" + body + "\n")
}

// jsonString quotes s as a JSON string.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&0xf])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
