// Package edgectl is the edgectl host API, version 1, for Go (GOOS=wasip1 GOARCH=wasm,
// Go 1.21 or later).
//
// Key-value stores, outbound HTTP, logging and WebSocket sends from a function served by
// `edgectl serve`. Reference: docs/host-api.md in the edgectl repository.
//
// Two layers: the unexported functions below declare the imports of the "edgectl" module
// exactly as the host defines them (every function returns a status; outputs go through
// pointers), and the exported ones wrap them: Store.Get returns (value, found, error),
// outputs of unknown size are read into a buffer that grows to the size the host asks
// for, and errors are *Error values carrying the function and the status (test them with
// errors.Is(err, edgectl.ErrDenied) and the like). Declare what a component uses in
// edgectl.toml:
//
//	key_value_stores = ["default"]
//	allowed_outbound_hosts = ["https://api.example.com"]
//
// The package uses neither fmt nor reflection, so it adds little to a module.
package edgectl

import (
	"strconv"
	"strings"
	"unsafe"
)

// APIVersion is the host API version this package is written against.
const APIVersion = 1

const (
	KVMaxKey   = 256         // the longest key, in bytes
	KVMaxValue = 1024 * 1024 // the largest value, in bytes
	// expectAbsent is kv_compare_and_swap's expected_len for "only if the key is absent".
	expectAbsent = 0xFFFFFFFF
)

// Status is what every host function returns. Stable: the values are part of API
// version 1.
type Status uint32

const (
	OK             Status = 0
	NotFound       Status = 1  // no such key
	BufferTooSmall Status = 2  // the output did not fit (the wrappers retry)
	Denied         Status = 3  // a store or outbound host the component did not declare
	Invalid        Status = 4  // a malformed argument (a non-integer for Increment, ...)
	KeyTooLarge    Status = 5  // key over 256 bytes
	ValueTooLarge  Status = 6  // value over 1 MiB
	Conflict       Status = 7  // compare-and-swap: the value was not the expected one
	StoreError     Status = 8  // the backend failed (logged for the user)
	BadHandle      Status = 9  // a handle that was not opened, or closed
	Timeout        Status = 10 // outbound HTTP took longer than its limit
	Unavailable    Status = 11 // no WebSocket here, a connection that is gone
	TooMany        Status = 12 // too many open handles
	HTTPError      Status = 13 // outbound HTTP failed (connect, TLS, response too large)
)

var statusNames = [...]string{"ok", "not found", "buffer too small", "denied", "invalid", "key too large",
	"value too large", "conflict", "store error", "bad handle", "timeout", "unavailable", "too many", "http error"}

// String returns the name the host uses for the status: "not found", "denied", ...
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown status " + strconv.FormatUint(uint64(s), 10)
}

// Error is a host function that did not return OK.
type Error struct {
	Func   string // the host function: "kv_get", "http_request", ...
	Status Status
}

func (e *Error) Error() string {
	return "edgectl " + e.Func + ": " + e.Status.String() + " (" + strconv.FormatUint(uint64(e.Status), 10) + ")"
}

// Is makes errors.Is(err, edgectl.ErrDenied) true for any function's DENIED.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Func == "" && t.Status == e.Status
}

// Sentinels for errors.Is: errors.Is(err, edgectl.ErrDenied).
var (
	ErrNotFound      = &Error{Status: NotFound}
	ErrDenied        = &Error{Status: Denied}
	ErrInvalid       = &Error{Status: Invalid}
	ErrKeyTooLarge   = &Error{Status: KeyTooLarge}
	ErrValueTooLarge = &Error{Status: ValueTooLarge}
	ErrConflict      = &Error{Status: Conflict}
	ErrStoreError    = &Error{Status: StoreError}
	ErrBadHandle     = &Error{Status: BadHandle}
	ErrTimeout       = &Error{Status: Timeout}
	ErrUnavailable   = &Error{Status: Unavailable}
	ErrTooMany       = &Error{Status: TooMany}
	ErrHTTPError     = &Error{Status: HTTPError}
)

func check(fn string, s uint32) error {
	if Status(s) == OK {
		return nil
	}
	return &Error{Func: fn, Status: Status(s)}
}

// The raw imports. Pointers and lengths are i32 (unsafe.Pointer, uint32), cursors and
// deltas i64; each returns a status. Empty slices and strings go as a nil pointer with
// length 0.

//go:wasmimport edgectl api_version
func rawAPIVersion() uint32

//go:wasmimport edgectl log
func rawLog(level uint32, msg unsafe.Pointer, msgLen uint32) uint32

//go:wasmimport edgectl kv_open
func rawKVOpen(name unsafe.Pointer, nameLen uint32, handle unsafe.Pointer) uint32

//go:wasmimport edgectl kv_get
func rawKVGet(store uint32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32

//go:wasmimport edgectl kv_set
func rawKVSet(store uint32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32) uint32

//go:wasmimport edgectl kv_delete
func rawKVDelete(store uint32, key unsafe.Pointer, keyLen uint32) uint32

//go:wasmimport edgectl kv_exists
func rawKVExists(store uint32, key unsafe.Pointer, keyLen uint32, exists unsafe.Pointer) uint32

// Keys with prefix: as many as fit in buf, each a little-endian u32 length then its bytes.
// Start with cursor 0; *nextCursor is 0 when there are no more.
//
//go:wasmimport edgectl kv_list
func rawKVList(store uint32, prefix unsafe.Pointer, prefixLen uint32, cursor uint64, buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer, nextCursor unsafe.Pointer) uint32

//go:wasmimport edgectl kv_increment
func rawKVIncrement(store uint32, key unsafe.Pointer, keyLen uint32, delta int64, result unsafe.Pointer) uint32

// expectedLen 0xFFFFFFFF: only if the key is absent.
//
//go:wasmimport edgectl kv_compare_and_swap
func rawKVCompareAndSwap(store uint32, key unsafe.Pointer, keyLen uint32, expected unsafe.Pointer, expectedLen uint32, value unsafe.Pointer, valueLen uint32) uint32

// headers: "Name: value" lines separated by '\n'.
//
//go:wasmimport edgectl http_request
func rawHTTPRequest(method unsafe.Pointer, methodLen uint32, url unsafe.Pointer, urlLen uint32, headers unsafe.Pointer, headersLen uint32, body unsafe.Pointer, bodyLen uint32, response unsafe.Pointer) uint32

//go:wasmimport edgectl http_response_status
func rawHTTPResponseStatus(response uint32, status unsafe.Pointer) uint32

//go:wasmimport edgectl http_response_headers
func rawHTTPResponseHeaders(response uint32, buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32

//go:wasmimport edgectl http_response_body
func rawHTTPResponseBody(response uint32, buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32

//go:wasmimport edgectl http_close
func rawHTTPClose(response uint32) uint32

// kind: 0 text, 1 binary. An empty connection id: the connection this event is for.
//
//go:wasmimport edgectl ws_send
func rawWSSend(conn unsafe.Pointer, connLen uint32, kind uint32, data unsafe.Pointer, dataLen uint32) uint32

//go:wasmimport edgectl ws_close
func rawWSClose(conn unsafe.Pointer, connLen uint32, code uint32) uint32

//go:wasmimport edgectl ws_connections
func rawWSConnections(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32

// bytesPtr and stringPtr give the address of the first byte, or nil for an empty value
// (&b[0] would panic, and the host accepts a null pointer with length 0).
func bytesPtr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func stringPtr(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

// readSized reads an output of unknown size: it calls f with a buffer of firstGuess bytes,
// then again with the size the host asked for for as long as it answers BUFFER_TOO_SMALL
// (a value can grow between two calls).
func readSized(fn string, firstGuess int, f func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32) ([]byte, error) {
	buf := make([]byte, firstGuess)
	for {
		var n uint32
		s := Status(f(bytesPtr(buf), uint32(len(buf)), unsafe.Pointer(&n)))
		switch {
		case s == OK:
			if int(n) > len(buf) {
				n = uint32(len(buf))
			}
			return buf[:n], nil
		case s != BufferTooSmall:
			return nil, &Error{Func: fn, Status: s}
		}
		size := int(n)
		if size <= len(buf) {
			size = len(buf) + 1
		}
		buf = make([]byte, size)
	}
}

// Version returns the host's API version (1 for this one).
func Version() int {
	return int(rawAPIVersion())
}

// Level is a log line's level.
type Level uint32

const (
	LevelTrace Level = 0
	LevelDebug Level = 1
	LevelInfo  Level = 2
	LevelWarn  Level = 3
	LevelError Level = 4
)

// Log writes a line to the server's log, with the component and the request id (at most
// 16 KiB of it).
func Log(level Level, message string) error {
	return check("log", rawLog(uint32(level), stringPtr(message), uint32(len(message))))
}

// Store is a key-value store the component declared in key_value_stores. Keys are at most
// 256 bytes, values at most 1 MiB. A store handle lasts until the end of the request.
type Store struct {
	handle uint32
}

// OpenStore opens the store name ("default"); ErrDenied when the component did not declare
// it.
func OpenStore(name string) (*Store, error) {
	var h uint32
	if err := check("kv_open", rawKVOpen(stringPtr(name), uint32(len(name)), unsafe.Pointer(&h))); err != nil {
		return nil, err
	}
	return &Store{handle: h}, nil
}

// Handle returns the raw handle the host gave.
func (s *Store) Handle() uint32 { return s.handle }

// Get returns the value of key; found is false (and err nil) when there is none.
func (s *Store) Get(key string) (value []byte, found bool, err error) {
	v, err := readSized("kv_get", 256, func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32 {
		return rawKVGet(s.handle, stringPtr(key), uint32(len(key)), buf, bufLen, lenOut)
	})
	if e, ok := err.(*Error); ok && e.Status == NotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// Set stores value at key.
func (s *Store) Set(key string, value []byte) error {
	return check("kv_set", rawKVSet(s.handle, stringPtr(key), uint32(len(key)), bytesPtr(value), uint32(len(value))))
}

// Delete removes key; removing a key that is not there is not an error.
func (s *Store) Delete(key string) error {
	return check("kv_delete", rawKVDelete(s.handle, stringPtr(key), uint32(len(key))))
}

// Exists reports whether key has a value.
func (s *Store) Exists(key string) (bool, error) {
	var e uint32
	if err := check("kv_exists", rawKVExists(s.handle, stringPtr(key), uint32(len(key)), unsafe.Pointer(&e))); err != nil {
		return false, err
	}
	return e != 0, nil
}

// Increment adds delta to the decimal integer at key (absent: 0) atomically and returns
// the new value; ErrInvalid when the value is not an integer.
func (s *Store) Increment(key string, delta int64) (int64, error) {
	var r int64
	if err := check("kv_increment", rawKVIncrement(s.handle, stringPtr(key), uint32(len(key)), delta, unsafe.Pointer(&r))); err != nil {
		return 0, err
	}
	return r, nil
}

// CompareAndSwap sets key to value only if it holds expected (nil and empty alike mean the
// empty value), atomically. swapped is false when it held something else or nothing.
func (s *Store) CompareAndSwap(key string, expected, value []byte) (swapped bool, err error) {
	return s.cas(key, bytesPtr(expected), uint32(len(expected)), value)
}

// SetIfAbsent sets key to value only if key has no value, atomically. swapped is false
// when it had one.
func (s *Store) SetIfAbsent(key string, value []byte) (swapped bool, err error) {
	return s.cas(key, nil, expectAbsent, value)
}

func (s *Store) cas(key string, expected unsafe.Pointer, expectedLen uint32, value []byte) (bool, error) {
	st := rawKVCompareAndSwap(s.handle, stringPtr(key), uint32(len(key)), expected, expectedLen, bytesPtr(value), uint32(len(value)))
	if Status(st) == Conflict {
		return false, nil
	}
	if err := check("kv_compare_and_swap", st); err != nil {
		return false, err
	}
	return true, nil
}

// ListPage returns one page of the keys starting with prefix: those that fit in bufSize
// bytes (4 + the key's length each) from cursor (0 to start), and the cursor of the next
// page (0 when there is none). A first key larger than the buffer grows it.
func (s *Store) ListPage(prefix string, cursor uint64, bufSize int) (keys []string, next uint64, err error) {
	data, err := readSized("kv_list", bufSize, func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32 {
		return rawKVList(s.handle, stringPtr(prefix), uint32(len(prefix)), cursor, buf, bufLen, lenOut, unsafe.Pointer(&next))
	})
	if err != nil {
		return nil, 0, err
	}
	for len(data) >= 4 {
		n := int(uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24)
		if n > len(data)-4 {
			n = len(data) - 4
		}
		keys = append(keys, string(data[4:4+n]))
		data = data[4+n:]
	}
	return keys, next, nil
}

// Keys returns every key starting with prefix (read in pages of 16 KiB).
func (s *Store) Keys(prefix string) ([]string, error) {
	var all []string
	var cursor uint64
	for {
		keys, next, err := s.ListPage(prefix, cursor, 16*1024)
		if err != nil {
			return nil, err
		}
		all = append(all, keys...)
		if next == 0 {
			return all, nil
		}
		cursor = next
	}
}

// Header is one HTTP header.
type Header struct {
	Name, Value string
}

// Response is an outbound HTTP response, readable until Close (or the end of the request).
type Response struct {
	handle uint32
}

// HTTPRequest sends a request to a host the component declared in allowed_outbound_hosts
// (ErrDenied otherwise) and waits for the whole response. Redirects are not followed;
// ErrTimeout and ErrHTTPError report a failed request, not an HTTP error status.
func HTTPRequest(method, url string, headers []Header, body []byte) (*Response, error) {
	var lines strings.Builder
	for _, h := range headers {
		lines.WriteString(h.Name)
		lines.WriteString(": ")
		lines.WriteString(h.Value)
		lines.WriteByte('\n')
	}
	hs := lines.String()
	var h uint32
	st := rawHTTPRequest(stringPtr(method), uint32(len(method)), stringPtr(url), uint32(len(url)), stringPtr(hs),
		uint32(len(hs)), bytesPtr(body), uint32(len(body)), unsafe.Pointer(&h))
	if err := check("http_request", st); err != nil {
		return nil, err
	}
	return &Response{handle: h}, nil
}

// Status returns the HTTP status code.
func (r *Response) Status() (int, error) {
	var st uint32
	if err := check("http_response_status", rawHTTPResponseStatus(r.handle, unsafe.Pointer(&st))); err != nil {
		return 0, err
	}
	return int(st), nil
}

// Headers returns the response headers, names in lowercase.
func (r *Response) Headers() ([]Header, error) {
	data, err := readSized("http_response_headers", 1024, func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32 {
		return rawHTTPResponseHeaders(r.handle, buf, bufLen, lenOut)
	})
	if err != nil {
		return nil, err
	}
	var out []Header
	for _, line := range strings.Split(string(data), "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			out = append(out, Header{Name: name, Value: value})
		}
	}
	return out, nil
}

// Header returns the first header called name (any case), "" if there is none.
func (r *Response) Header(name string) (string, error) {
	hs, err := r.Headers()
	if err != nil {
		return "", err
	}
	name = strings.ToLower(name)
	for _, h := range hs {
		if h.Name == name {
			return h.Value, nil
		}
	}
	return "", nil
}

// Body returns the response body.
func (r *Response) Body() ([]byte, error) {
	return readSized("http_response_body", 16*1024, func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32 {
		return rawHTTPResponseBody(r.handle, buf, bufLen, lenOut)
	})
}

// Close releases the response.
func (r *Response) Close() error {
	return check("http_close", rawHTTPClose(r.handle))
}

// WSSendText sends a text message on a WebSocket route's connection ("" for the
// connection this event is for). ErrUnavailable outside a WebSocket route or for a
// connection that is gone.
func WSSendText(connection, text string) error {
	return check("ws_send", rawWSSend(stringPtr(connection), uint32(len(connection)), 0, stringPtr(text), uint32(len(text))))
}

// WSSendBinary sends a binary message, as WSSendText.
func WSSendBinary(connection string, data []byte) error {
	return check("ws_send", rawWSSend(stringPtr(connection), uint32(len(connection)), 1, bytesPtr(data), uint32(len(data))))
}

// WSClose closes a connection with a code a server may send (1000, 1001, 1003,
// 1007-1011, 3000-4999; ErrInvalid otherwise).
func WSClose(connection string, code uint16) error {
	return check("ws_close", rawWSClose(stringPtr(connection), uint32(len(connection)), uint32(code)))
}

// WSConnections returns the ids of the route's open connections.
func WSConnections() ([]string, error) {
	data, err := readSized("ws_connections", 1024, func(buf unsafe.Pointer, bufLen uint32, lenOut unsafe.Pointer) uint32 {
		return rawWSConnections(buf, bufLen, lenOut)
	})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range strings.Split(string(data), "\n") {
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
