package trust

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // G505: SNS SignatureVersion 1 is SHA1withRSA; refusing it would refuse every topic not yet moved to 2
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
)

// The keys of the string to sign, in the order SNS signs them (AWS's "Verifying the signatures of Amazon SNS
// messages", and its PHP, JavaScript, Java and Ruby validators).
var (
	notificationKeys = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	confirmationKeys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
)

// lambdaSpellings are how SNS spells a URL key in the event it hands to AWS Lambda (SigningCertUrl, SubscribeUrl,
// UnsubscribeUrl, the last in every notification); a body relayed from there is read as if it had the HTTP
// delivery's spelling, and one holding both spellings of a key with different values is refused, as AWS's PHP
// validator reads all three. UnsubscribeURL is signed by no version, so nothing else reads it. A list, not a map:
// when several keys' spellings disagree, the reason names the first, every time.
var lambdaSpellings = []struct{ key, alt string }{
	{"SigningCertURL", "SigningCertUrl"}, {"SubscribeURL", "SubscribeUrl"}, {"UnsubscribeURL", "UnsubscribeUrl"},
}

// maxSignatureText bounds the Signature read: a base64 RSA signature of a 4096-bit key is 684 characters.
const maxSignatureText = 1024

// minKeyBits is the smallest RSA key a signature is checked with; SNS's keys are 2048 bits.
const minKeyBits = 2048

// SNSMessage is what an AWS SNS message's signature covers, read from a body as SNS posts it to an HTTP(S)
// subscription: the signed fields in their order, the signature, and where its certificate is.
type SNSMessage struct {
	Type     string
	TopicArn string
	Version  string // SignatureVersion: "1" (SHA1withRSA) or "2" (SHA256withRSA)
	CertURL  string // SigningCertURL, not yet checked: the certificate fetcher holds it to SNS's hosts
	sig      []byte
	signed   []field  // the string to sign's keys and values, in order
	keys     []string // the body keys Signed keeps, each once, in the order ReadSNS read them
}

type field struct{ key, value string }

// ReadSNS reads the signed SNS message body is. A body that has no Signature is Unsigned; a signed one missing a
// key the signature needs, or holding one that is not text, Failed. null counts as absent, as AWS's validators read
// it, and only the optional Subject may be absent.
func ReadSNS(body map[string]any) (SNSMessage, error) {
	if v, signed := body["Signature"]; !signed || v == nil {
		return SNSMessage{}, &SignatureError{Unsigned: true, Reason: "it has no Signature"}
	}
	for _, l := range lambdaSpellings {
		a, aText := body[l.key].(string)
		b, bText := body[l.alt].(string)
		if body[l.key] != nil && body[l.alt] != nil && (!aText || !bText || a != b) {
			return SNSMessage{}, &SignatureError{Reason: l.key + " and " + l.alt + " disagree"}
		}
	}
	var m SNSMessage
	var err error
	text := func(key string, required bool) (string, bool) {
		name, v := lookup(body, key)
		s, isText := v.(string)
		switch {
		case err != nil:
		case v == nil && required:
			err = &SignatureError{Reason: key + " is missing"}
		case v != nil && !isText:
			err = &SignatureError{Reason: key + " is not text"}
		case v != nil:
			if !slices.Contains(m.keys, name) { // Type and TopicArn are read twice: as themselves and as signed
				m.keys = append(m.keys, name)
			}
			return s, true
		}
		return "", false
	}
	sig, _ := text("Signature", true)
	m.Type, _ = text("Type", true)
	m.TopicArn, _ = text("TopicArn", true)
	m.Version, _ = text("SignatureVersion", true)
	m.CertURL, _ = text("SigningCertURL", true)
	if err != nil {
		return SNSMessage{}, err
	}
	keys := notificationKeys
	switch m.Type {
	case "Notification":
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		keys = confirmationKeys
	default:
		return SNSMessage{}, &SignatureError{Reason: fmt.Sprintf("its Type %q is not Notification, SubscriptionConfirmation or UnsubscribeConfirmation", shorten(m.Type))}
	}
	for _, k := range keys {
		if v, present := text(k, k != "Subject"); present {
			m.signed = append(m.signed, field{k, v})
		}
	}
	if err != nil {
		return SNSMessage{}, err
	}
	if m.Version != "1" && m.Version != "2" {
		return SNSMessage{}, &SignatureError{Reason: fmt.Sprintf("its SignatureVersion %q is neither 1 nor 2", shorten(m.Version))}
	}
	if len(sig) > maxSignatureText {
		return SNSMessage{}, &SignatureError{Reason: fmt.Sprintf("its Signature is %d characters long, more than any RSA signature SNS makes", len(sig))}
	}
	if m.sig, err = base64.StdEncoding.DecodeString(sig); err != nil {
		return SNSMessage{}, &SignatureError{Reason: "its Signature is not base64"}
	}
	return m, nil
}

// lookup finds key in body, else its Lambda spelling (ReadSNS has checked that the two agree); it returns the
// name found and the value, nil for absent or null.
func lookup(body map[string]any, key string) (string, any) {
	if v := body[key]; v != nil {
		return key, v
	}
	for _, l := range lambdaSpellings {
		if l.key == key && body[l.alt] != nil {
			return l.alt, body[l.alt]
		}
	}
	return key, nil
}

// StringToSign is the text SNS signed: "Key\nValue\n" for each signed key present, in order.
func (m SNSMessage) StringToSign() string {
	var b strings.Builder
	m.write(&b)
	return b.String()
}

// write writes the string to sign to w piece by piece, so that a large Message is hashed where it lies, not copied.
func (m SNSMessage) write(w io.Writer) {
	for _, f := range m.signed {
		_, _ = io.WriteString(w, f.key)
		_, _ = io.WriteString(w, "\n")
		_, _ = io.WriteString(w, f.value)
		_, _ = io.WriteString(w, "\n")
	}
}

// Verify checks m's signature with key, the public key of the certificate m's SigningCertURL names (which the
// caller has fetched and verified): RSA PKCS #1 v1.5 over SHA-1 for SignatureVersion 1, SHA-256 for 2.
func (m SNSMessage) Verify(key crypto.PublicKey) error {
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return &SignatureError{Reason: "its signing certificate's key is not an RSA key"}
	}
	if pub.N.BitLen() < minKeyBits {
		return &SignatureError{Reason: fmt.Sprintf("its signing certificate's RSA key has %d bits, fewer than %d", pub.N.BitLen(), minKeyBits)}
	}
	var h hash.Hash
	alg, name := crypto.SHA256, "SHA256withRSA"
	if m.Version == "1" {
		h, alg, name = sha1.New(), crypto.SHA1, "SHA1withRSA" //nolint:gosec // G401: SignatureVersion 1 is SHA1withRSA by definition
	} else {
		h = sha256.New()
	}
	m.write(h)
	if err := rsa.VerifyPKCS1v15(pub, alg, h.Sum(nil), m.sig); err != nil {
		return &SignatureError{Reason: fmt.Sprintf("its Signature does not match its signed fields (SignatureVersion %s, %s)", m.Version, name)}
	}
	return nil
}

// Signed returns a copy of body with only what m's signature covers, and the signature's own fields: under
// enforce, nothing that AWS did not sign (MessageAttributes, UnsubscribeURL, a key anyone may add) reaches the
// parser or a convert_data template. body may be the body m was read from less some fields (the body secret's):
// a key it lacks stays absent.
func (m SNSMessage) Signed(body map[string]any) map[string]any {
	out := make(map[string]any, len(m.keys))
	for _, k := range m.keys {
		if v, present := body[k]; present {
			out[k] = v
		}
	}
	return out
}
