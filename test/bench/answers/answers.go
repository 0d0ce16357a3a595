// Package answers is the file through which the load driver hands monhook's captured answers to the floor server:
// for each plugin call the driver makes, the bytes monhook answered with.
package answers

import (
	"encoding/json"
	"fmt"
	"os"
)

// Answer is monhook's answer to one request, as protobuf bytes.
type Answer struct {
	Method       string `json:"method"`        // full method name, /package.Service/method
	RequestBytes int    `json:"request_bytes"` // size of the request's protobuf encoding
	Response     []byte `json:"response"`      // the answer's protobuf encoding
}

// Key picks an answer without reading the request: the load driver's requests differ in method or in size.
type Key struct {
	Method       string
	RequestBytes int
}

// Write stores as at path, refusing two answers under one key: the floor could not tell their requests apart.
func Write(path string, as []Answer) error {
	seen := map[Key]bool{}
	for _, a := range as {
		k := Key{a.Method, a.RequestBytes}
		if seen[k] {
			return fmt.Errorf("two requests of %s have %d bytes: the floor cannot tell them apart", a.Method, a.RequestBytes)
		}
		seen[k] = true
	}
	b, err := json.Marshal(as)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// Read loads the answers at path by key.
func Read(path string) (map[Key][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var as []Answer
	if err := json.Unmarshal(b, &as); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make(map[Key][]byte, len(as))
	for _, a := range as {
		out[Key{a.Method, a.RequestBytes}] = a.Response
	}
	return out, nil
}
