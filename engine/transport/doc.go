// Package transport carries SIP messages over UDP, TCP and TLS (RFC 3261
// §18), finds servers (RFC 3263), and defines the seams the transaction
// layer and the C API's app-supplied sockets plug into.
package transport
