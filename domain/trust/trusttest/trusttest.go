// Package trusttest signs AWS SNS messages as SNS does, for tests. Its string to sign is built here from AWS's
// documented rules ("Verifying the signatures of Amazon SNS messages"), not by package trust, so that tests hold
// trust to the documentation rather than to itself.
package trusttest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // G505: SNS SignatureVersion 1 is SHA1withRSA, and tests sign as SNS does
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"sync"
	"testing"
)

// Topic is the topic of the messages tests sign, in us-east-1.
const Topic = "arn:aws:sns:us-east-1:123456789012:alerts"

var key = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// Key is the RSA key (2048 bits, as SNS's) tests sign with, generated once per test binary.
func Key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := key()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Notification is an unsigned SNS notification of Topic whose certificate is at certURL.
func Notification(certURL, message string) map[string]any {
	return map[string]any{
		"Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "TopicArn": Topic,
		"Subject": "ALARM: \"cpu\" in US East (N. Virginia)", "Message": message, "Timestamp": "2026-01-02T03:04:05.678Z",
		"SigningCertURL": certURL,
		"UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + Topic + ":5e3a2c4b",
	}
}

// Confirmation is an unsigned SNS SubscriptionConfirmation of Topic whose certificate is at certURL and whose
// SubscribeURL is subscribeURL.
func Confirmation(certURL, subscribeURL string) map[string]any {
	return map[string]any{ //nolint:gosec // G101: the Token of a made-up topic's confirmation, no credential
		"Type": "SubscriptionConfirmation", "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b", "TopicArn": Topic,
		"Token":        "2336412f37fb687f5d51e6e2425dacbbac3c5c0debf3c71e",
		"Message":      "You have chosen to subscribe to the topic " + Topic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		"SubscribeURL": subscribeURL, "Timestamp": "2026-01-02T03:04:05.678Z", "SigningCertURL": certURL,
	}
}

// StringToSign is what SNS signs of m: "Key\nValue\n" for each key of its Type's list that m holds with a value
// other than null, in the list's order.
func StringToSign(m map[string]any) string {
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if m["Type"] == "SubscriptionConfirmation" || m["Type"] == "UnsubscribeConfirmation" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var s string
	for _, k := range keys {
		if v, ok := m[k].(string); ok {
			s += k + "\n" + v + "\n"
		}
	}
	return s
}

// Sign returns a copy of m signed with k as SNS signs with SignatureVersion version ("1": SHA1withRSA, "2":
// SHA256withRSA).
func Sign(t testing.TB, k *rsa.PrivateKey, m map[string]any, version string) map[string]any {
	t.Helper()
	text := []byte(StringToSign(m))
	var digest []byte
	alg := crypto.SHA256
	if version == "1" {
		d := sha1.Sum(text) //nolint:gosec // G401: SignatureVersion 1 is SHA1withRSA
		digest, alg = d[:], crypto.SHA1
	} else {
		d := sha256.Sum256(text)
		digest = d[:]
	}
	sig, err := rsa.SignPKCS1v15(nil, k, alg, digest)
	if err != nil {
		t.Fatal(err)
	}
	out := maps.Clone(m)
	out["SignatureVersion"] = version
	out["Signature"] = base64.StdEncoding.EncodeToString(sig)
	return out
}
