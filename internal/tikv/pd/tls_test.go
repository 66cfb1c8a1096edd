package pd

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// testPKI is a throwaway CA with a server and a client certificate.
type testPKI struct {
	caPool                               *x509.CertPool
	server                               tls.Certificate
	caFile, certFile, keyFile, otherCert string
	otherKey                             string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	serial := int64(1)
	issue := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return cert, key,
			pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	ca, caKey, caPEM, _ := issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "test PD CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	_, _, srvPEM, srvKeyPEM := issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "pd"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, caKey)
	_, _, cliPEM, cliKeyPEM := issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: "operator-reader"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, caKey)
	// A client certificate from a CA PD does not trust.
	other, otherKey, _, _ := issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "rogue CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
	_, _, rogue, rogueKey := issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: "rogue"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, other, otherKey)

	server, err := tls.X509KeyPair(srvPEM, srvKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{
		caPool: pool, server: server,
		caFile: write("ca.pem", caPEM), certFile: write("client.pem", cliPEM), keyFile: write("client-key.pem", cliKeyPEM),
		otherCert: write("rogue.pem", rogue), otherKey: write("rogue-key.pem", rogueKey),
	}
}

func TestTLSClientCertificates(t *testing.T) {
	pki := newTestPKI(t)
	var seenCN atomic.Value
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenCN.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		_, _ = io.WriteString(w, `{"id":7711847962146545671,"max_peer_count":3}`)
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pki.server},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.caPool,
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ctx := context.Background()

	good, err := New(Config{Endpoint: srv.URL, TLS: TLSConfig{CAFile: pki.caFile, CertFile: pki.certFile, KeyFile: pki.keyFile}})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if got, err := good.GetCluster(ctx); err != nil || got.ID != 7711847962146545671 {
		t.Fatalf("with a client certificate: %v %v", got, err)
	}
	if seenCN.Load() != "operator-reader" {
		t.Fatalf("server saw CN %v", seenCN.Load())
	}

	for name, tlsCfg := range map[string]TLSConfig{
		"no client certificate":      {CAFile: pki.caFile},
		"untrusted client cert":      {CAFile: pki.caFile, CertFile: pki.otherCert, KeyFile: pki.otherKey},
		"server not trusted (no CA)": {CertFile: pki.certFile, KeyFile: pki.keyFile},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(Config{Endpoint: srv.URL, TLS: tlsCfg, ReadAttempts: 3, RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.GetCluster(ctx)
			var e *Error
			if !errors.As(err, &e) || e.Kind != ErrUnavailable || e.Status != 0 {
				t.Fatalf("want a transport failure, got %v", err)
			}
			if e.Attempts != 1 {
				t.Errorf("certificate failures are not retried, but it took %d attempts: %v", e.Attempts, err)
			}
		})
	}
}
