;; {{name}}: an HTTP handler for edgectl, written by hand in WebAssembly text.
;;
;; Each request runs this module once, as a WASI command (WAGI / CGI/1.1): _start writes a
;; CGI response to stdout (fd 1) as header lines, an empty line, then the body. Returning
;; from _start means exit 0. The request's CGI variables and body (environ_get, fd_read on
;; fd 0) are there to read when the handler needs them.
(module
  ;; fd_write(fd, iovs, iovs_len, nwritten_out) -> errno
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; proc_exit(code): never returns
  (import "wasi_snapshot_preview1" "proc_exit"
    (func $proc_exit (param i32)))

  ;; The host reads and writes through the exported memory.
  (memory (export "memory") 1)

  ;; Memory layout: 0..8 one iovec {ptr, len}; 8..12 bytes written; 16.. the response.
  (global $iov i32 (i32.const 0))
  (global $nwritten i32 (i32.const 8))
  (global $response i32 (i32.const 16))
  (data (i32.const 16)
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "Hello from {{name}}! (hand-written WebAssembly)\n")

  ;; Writes memory[ptr, ptr+len) to stdout, looping over short writes.
  ;; Returns 0 or the WASI errno.
  (func $write_all (param $ptr i32) (param $len i32) (result i32)
    (local $errno i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (global.get $iov) (local.get $ptr))
        (i32.store offset=4 (global.get $iov) (local.get $len))
        (local.set $errno
          (call $fd_write (i32.const 1) (global.get $iov) (i32.const 1) (global.get $nwritten)))
        (if (local.get $errno) (then (return (local.get $errno))))
        (local.set $n (i32.load (global.get $nwritten)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $more)))
    (i32.const 0))

  (func (export "_start")
    ;; A failed write leaves a partial response: exit 1 so the server answers 500.
    (if (call $write_all (global.get $response) (call $response_len))
      (then (call $proc_exit (i32.const 1)))))

  ;; The response's length: the data segment is NUL-free, so scan for the first zero byte
  ;; after it (memory beyond the segment starts zeroed). This keeps the length right when
  ;; the text above is edited.
  (func $response_len (result i32)
    (local $p i32)
    (local.set $p (global.get $response))
    (block $end
      (loop $scan
        (br_if $end (i32.eqz (i32.load8_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
    (i32.sub (local.get $p) (global.get $response)))
)
