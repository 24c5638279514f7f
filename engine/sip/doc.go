// Package sip is the SIP message model of sk400vop: a zero-copy parser, a
// serializer, typed header accessors, URIs and builders (RFC 3261 §7, §20, §25).
//
// Parsing does not copy. A Message parsed from a buffer keeps that buffer and
// indexes it; every string it hands out (header values, URI parts, tags) is a
// view into the buffer. The buffer must therefore not be modified while the
// Message or any of those strings is in use: give each received datagram its
// own buffer (the transport does), and use strings.Clone for a value that must
// outlive the buffer's reuse. Typed accessors parse on first use and cache the
// result in the Message, so a Message that is reset and reused costs no
// allocation at all.
//
// Everything a hostile peer controls is bounded by Limits: message size,
// header count, line length, Via count and URI length.
package sip
