// Pushing an artifact over the OCI distribution API (see oci.hpp):
//   1. HEAD /v2/NAME/blobs/DIGEST for each blob; a 200 with the right size is skipped;
//   2. the rest: POST /v2/NAME/blobs/uploads/ → Location; then one PUT ?digest= with the
//      bytes, or for blobs over chunk_size, PATCH chunks (Content-Range: start-end, each
//      answer's Location for the next) and a closing PUT ?digest=;
//   3. only when every blob is confirmed (201 with our digest), PUT the manifest per tag.
// Any failure before 3 leaves no tag behind: the registry keeps orphan blobs, which are
// harmless and make the next try faster.
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "oci/detail/client.hpp"
#include "oci/oci.hpp"

namespace edgectl::oci {
namespace {

using detail::Client;
using detail::Request;
using detail::Response;

struct Pusher {
  Client& client;
  const Reference& ref;
  const PushOptions& options;
  std::string scope;
  PushReport report;
  uint64_t total = 0;  // bytes to send
  uint64_t done = 0;   // bytes sent, over completed requests
  std::optional<double> wait_hint;  // the last failure's Retry-After

  void progress(uint64_t in_flight) {
    if (options.on_progress) options.on_progress(done + in_flight, total);
  }

  Result<bool> exists(const Blob& blob) {
    Request req;
    req.method = "HEAD";
    req.target = "/v2/" + ref.repository + "/blobs/" + blob.digest;
    req.scope = scope;
    auto r = client.send(req);
    if (!r) return std::move(r).error();
    if (r->status == 200) {
      const std::string length = r->header("content-length");
      return length.empty() || length == std::to_string(blob.bytes.size());
    }
    if (r->status == 404) return false;
    return detail::registry_error("checking for blob " + blob.digest, *r, ref.str());
  }

  Result<std::string> start_upload(bool& transient) {
    Request req;
    req.method = "POST";
    req.target = "/v2/" + ref.repository + "/blobs/uploads/";
    req.scope = scope;
    req.retry = false;  // upload() retries the whole session
    auto r = client.send(req);
    if (!r) {
      transient = true;
      return std::move(r).error();
    }
    if (r->status != 202) {
      transient = detail::transient(*r);
      wait_hint = detail::retry_after(*r);
      return detail::registry_error("starting an upload", *r, ref.str());
    }
    const std::string location = r->header("location");
    if (location.empty()) return Error("the registry started an upload without saying where (no Location header)");
    return Client::resolve(r->url, location);
  }

  // One try at a blob: a fresh upload session, then one PUT or PATCH chunks and a PUT.
  // `transient` says whether a failure is worth a fresh session (5xx, 429, connection).
  Status upload_once(const Blob& blob, bool& transient) {
    transient = false;
    const uint64_t done_before = done;
    auto location = start_upload(transient);
    if (!location) return std::move(location).error();
    auto failed = [&](Result<Response>& r, const std::string& what) -> Status {
      done = done_before;
      if (!r) {
        transient = true;
        return std::move(r).error();
      }
      transient = detail::transient(*r);
      wait_hint = detail::retry_after(*r);
      return detail::registry_error(what + " of blob " + blob.digest, *r, ref.str());
    };
    const std::string_view bytes(blob.bytes);
    std::string url = *location;
    if (bytes.size() > options.chunk_size) {
      for (uint64_t offset = 0; offset < bytes.size();) {
        const uint64_t len = std::min<uint64_t>(options.chunk_size, bytes.size() - offset);
        Request patch;
        patch.method = "PATCH";
        patch.target = url;
        patch.headers = {"Content-Type: application/octet-stream",
                         "Content-Range: " + std::to_string(offset) + "-" + std::to_string(offset + len - 1)};
        patch.body = bytes.substr(offset, len);
        patch.scope = scope;
        patch.retry = false;
        patch.on_sent = [this](uint64_t n) { progress(n); };
        auto r = client.send(patch);
        if (!r || r->status != 202) return failed(r, "uploading a chunk");
        if (const std::string next = r->header("location"); !next.empty()) url = Client::resolve(r->url, next);
        offset += len;
        done += len;
        ++report.chunks;
        progress(0);
      }
    }
    Request put;
    put.method = "PUT";
    put.target = Client::with_query(url, "digest", blob.digest);
    put.headers = {"Content-Type: application/octet-stream"};
    put.scope = scope;
    put.retry = false;
    if (bytes.size() <= options.chunk_size) {
      put.body = bytes;
      put.on_sent = [this](uint64_t n) { progress(n); };
    }
    auto r = client.send(put);
    if (!r || r->status != 201) return failed(r, "uploading");
    if (const std::string d = r->header("docker-content-digest"); !d.empty() && d != blob.digest)
      return Error("the registry stored blob " + blob.digest + " as " + d + ": the bytes changed on the way");
    if (bytes.size() <= options.chunk_size) done += bytes.size();
    return {};
  }

  // A failed session is not resumed (registries disagree on what a failed PATCH left
  // behind): the blob starts over in a fresh session, with backoff (Retry-After honoured).
  // The session's requests are not retried on their own, so retries do not multiply.
  Status upload(const Blob& blob) {
    double backoff = 0.5;
    for (int attempt = 0;; ++attempt) {
      bool transient = false;
      wait_hint.reset();
      Status s = upload_once(blob, transient);
      if (s || !transient || attempt >= options.transport.retries) return s;
      if (options.transport.on_notice)
        options.transport.on_notice("uploading blob " + blob.digest.substr(0, 19) + " failed (" + s.error().message() +
                                    "); starting it over, retry " + std::to_string(attempt + 1) + " of " +
                                    std::to_string(options.transport.retries));
      std::this_thread::sleep_for(std::chrono::duration<double>(wait_hint ? std::min(30.0, *wait_hint) : backoff));
      backoff *= 2;
    }
  }

  Status put_manifest(const Artifact& a, const std::string& tag) {
    Request req;
    req.method = "PUT";
    req.target = "/v2/" + ref.repository + "/manifests/" + tag;
    req.headers = {std::string("Content-Type: ") + kImageManifestType};
    req.body = a.manifest;
    req.scope = scope;
    auto r = client.send(req);
    if (!r) return std::move(r).error();
    if (r->status != 201) {
      Error e = detail::registry_error("pushing the manifest as " + ref.name() + ":" + tag, *r, ref.str());
      if (r->status == 400 || r->status == 415)
        e.note("some registries refuse the CNCF Wasm config type; try `edgectl push --compat legacy`");
      return e;
    }
    if (const std::string d = r->header("docker-content-digest"); !d.empty() && d != a.manifest_digest)
      return Error("the registry stored the manifest as " + d + ", not " + a.manifest_digest);
    return {};
  }
};

}  // namespace

Result<PushReport> push(const Artifact& artifact, const Reference& target, const PushOptions& options) {
  if (options.tags.empty()) return Error("internal: push without a tag");
  if (options.chunk_size == 0) return Error("the chunk size must be more than 0 bytes");
  Client client(target.registry, target.api_host(), target.plain_http_allowed(), options.transport);
  Pusher p{client, target, options, "repository:" + target.repository + ":pull,push"};

  std::vector<const Blob*> blobs;
  for (const auto& l : artifact.layers) blobs.push_back(&l);
  blobs.push_back(&artifact.config);
  std::vector<const Blob*> missing;
  for (const Blob* b : blobs) {
    // The same module in two components is one blob.
    bool seen = false;
    for (const Blob* m : missing) seen = seen || m->digest == b->digest;
    if (seen) continue;
    auto there = p.exists(*b);
    if (!there) return std::move(there).error();
    if (*there) {
      ++p.report.blobs_skipped;
    } else {
      missing.push_back(b);
      p.total += b->bytes.size();
    }
  }
  p.progress(0);
  for (const Blob* b : missing) {
    if (auto s = p.upload(*b); !s)
      return std::move(s).error().note("no tag was pushed; the blobs already uploaded stay and make the next push faster");
    ++p.report.blobs_uploaded;
    p.report.bytes_uploaded += b->bytes.size();
  }
  for (const auto& tag : options.tags) {
    if (auto s = p.put_manifest(artifact, tag); !s) return std::move(s).error();
    p.report.refs.push_back(target.name() + ":" + tag + "@" + artifact.manifest_digest);
  }
  p.report.digest = artifact.manifest_digest;
  return p.report;
}

Status check_login(const std::string& registry, const TransportOptions& options) {
  Reference r;
  r.registry = registry;
  Client client(registry, r.api_host(), r.plain_http_allowed(), options);
  detail::Request req;
  req.target = "/v2/";
  auto resp = client.send(req);
  if (!resp) return std::move(resp).error();
  if (resp->status == 200) return {};
  if (resp->status == 401) return Error(registry + " refused the credentials").note("check the user name and password");
  return detail::registry_error("logging in to " + registry, *resp, registry);
}

}  // namespace edgectl::oci
