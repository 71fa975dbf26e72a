// SPDX-FileCopyrightText: 2026 The concord authors
// SPDX-License-Identifier: BSL-1.0
//
// concord — a throwaway PKI made at test time: a CA and server certificates it signs (PEM files).

#ifndef CONCORD_TESTS_SUPPORT_TEST_PKI_HPP
#define CONCORD_TESTS_SUPPORT_TEST_PKI_HPP

#include <support/temp_dir.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace concord::test {

namespace pki_detail {

struct pkey_free {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct x509_free {
    void operator()(X509* x) const { X509_free(x); }
};
struct bio_free {
    void operator()(BIO* b) const { BIO_free(b); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;

inline void check(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("test PKI: " + what + " failed");
}

// EC P-256: quick to generate (RSA would cost tens of ms per key) and accepted everywhere.
inline pkey_ptr new_key() {
    char curve[] = "P-256";
    pkey_ptr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    check(k != nullptr, "EVP_PKEY_Q_keygen");
    return k;
}

inline void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx{};
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "extension " + value);
    const int added = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(added == 1, "X509_add_ext " + value);
}

/// A certificate for `key` named `common_name`, signed by `issuer_key` (self-signed when
/// `issuer` is null). `alt_names` is a subjectAltName value ("DNS:localhost,IP:127.0.0.1").
inline x509_ptr new_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                                EVP_PKEY* issuer_key, bool is_ca, const std::string& alt_names,
                                long serial) {
    x509_ptr cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509* x = cert.get();
    check(X509_set_version(x, 2) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1, "serial number");
    // Valid from an hour ago (clock slack) for a week: longer than any test run.
    check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(x, key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(x);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1,
          "subject name");
    check(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1,
          "issuer name");
    X509* signer = issuer ? issuer : x;
    if (is_ca) {
        add_extension(x, signer, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(x, signer, NID_subject_key_identifier, "hash");
    } else {
        add_extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(x, signer, NID_key_usage, "critical,digitalSignature");
        add_extension(x, signer, NID_ext_key_usage, "serverAuth");
        add_extension(x, signer, NID_subject_alt_name, alt_names);
    }
    check(X509_sign(x, issuer_key, EVP_sha256()) > 0, "X509_sign");
    return cert;
}

inline void write_certificate(const std::string& path, X509* cert) {
    bio_ptr out(BIO_new_file(path.c_str(), "w"));
    check(out != nullptr, "opening " + path);
    check(PEM_write_bio_X509(out.get(), cert) == 1, "writing " + path);
}

inline void write_key(const std::string& path, EVP_PKEY* key) {
    bio_ptr out(BIO_new_file(path.c_str(), "w"));
    check(out != nullptr, "opening " + path);
    check(PEM_write_bio_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "writing " + path);
}

} // namespace pki_detail

/// PEM files of one server identity: its certificate (the chain: just the leaf here) and key.
struct server_identity {
    std::string certificate_chain;
    std::string private_key;
};

/** A test CA and two server identities signed by it, as PEM files in a temp directory:
    `localhost` is valid for "localhost" and 127.0.0.1; `other_host` only for "other.example".
    Nothing is trusted anywhere but where a test passes `ca_file`.
*/
class test_pki {
public:
    test_pki() : dir_("pki") {
        using namespace pki_detail;
        pkey_ptr ca_key = new_key();
        x509_ptr ca =
            new_certificate(ca_key.get(), "concord test CA", nullptr, ca_key.get(), true, "", 1);
        ca_file_ = dir_.file("ca.pem");
        write_certificate(ca_file_, ca.get());
        localhost_ = issue(ca.get(), ca_key.get(), "localhost", "DNS:localhost,IP:127.0.0.1", 2);
        other_host_ = issue(ca.get(), ca_key.get(), "other.example", "DNS:other.example", 3);
    }

    /// The CA certificate to trust.
    const std::string& ca_file() const noexcept { return ca_file_; }
    /// A server certificate for "localhost" / 127.0.0.1.
    const server_identity& localhost() const noexcept { return localhost_; }
    /// A server certificate for another host name ("other.example").
    const server_identity& other_host() const noexcept { return other_host_; }

private:
    server_identity issue(X509* ca, EVP_PKEY* ca_key, const std::string& cn,
                          const std::string& alt_names, long serial) {
        using namespace pki_detail;
        pkey_ptr key = new_key();
        x509_ptr cert = new_certificate(key.get(), cn, ca, ca_key, false, alt_names, serial);
        server_identity id;
        id.certificate_chain = dir_.file(cn + ".crt.pem");
        id.private_key = dir_.file(cn + ".key.pem");
        write_certificate(id.certificate_chain, cert.get());
        write_key(id.private_key, key.get());
        return id;
    }

    temp_dir dir_;
    std::string ca_file_;
    server_identity localhost_;
    server_identity other_host_;
};

} // namespace concord::test

#endif // CONCORD_TESTS_SUPPORT_TEST_PKI_HPP
