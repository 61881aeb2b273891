/*
 * libsts for C++17: a header-only layer over the C ABI of sts.h.
 *
 *   #include <sts.hpp>
 *   sts::Json policy = sts::get_policy(R"([{"action":"name/cos:PutObject", ...}])");
 *   std::string_view text = policy.view();          // no copy
 *   std::string copy = policy;                      // one copy, when a std::string is wanted
 *
 * - Every result is an sts::Json, which owns the string libsts returned and releases it with
 *   sts_string_free (which wipes it: results hold temporary keys) when it goes away. A
 *   std::string made from it is an ordinary copy that nothing wipes.
 * - Arguments are sts::JsonArg: a `const char *` or a `std::string` is handed to C as it is; a
 *   `std::string_view` is copied once, because the C ABI needs a terminating NUL, and that copy
 *   is wiped after the call.
 * - Failures throw a subclass of sts::Error (one per StsCode) carrying the StsCode, the error
 *   code string, the message and the request id from the error JSON.
 * - The network calls have non-blocking forms (get_credential_async, ...) that take
 *   a callback or return a std::future<sts::Json>.
 * - Thread-safe as the C functions are; nothing here holds state. No dependency beyond sts.h
 *   and the standard library.
 */
#ifndef STS_HPP
#define STS_HPP

#if !(__cplusplus >= 201703L || (defined(_MSVC_LANG) && _MSVC_LANG >= 201703L))
#error "sts.hpp needs C++17 (sts.h alone works from C++11)"
#endif

#include "sts.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <future>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace sts {

/** Owned JSON text returned by libsts; released with sts_string_free. Move-only. */
class Json {
public:
    Json() noexcept = default;
    /** Takes ownership of a string a libsts call returned (NULL gives an empty Json). */
    explicit Json(char *owned) noexcept : ptr_(owned), size_(owned ? std::strlen(owned) : 0) {}
    Json(Json &&other) noexcept : ptr_(std::move(other.ptr_)), size_(std::exchange(other.size_, 0)) {}
    Json &operator=(Json &&other) noexcept {
        ptr_ = std::move(other.ptr_);
        size_ = std::exchange(other.size_, 0);
        return *this;
    }
    Json(const Json &) = delete;
    Json &operator=(const Json &) = delete;
    ~Json() = default;

    /** NUL-terminated; "" when empty. Valid while this object lives. */
    const char *c_str() const noexcept { return ptr_ ? ptr_.get() : ""; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /** The text without a copy. Valid while this object lives. */
    std::string_view view() const noexcept { return {c_str(), size_}; }
    operator std::string_view() const noexcept { return view(); }
    /** A copy; unlike this object, the copy is not wiped when it is destroyed. */
    std::string str() const { return std::string(view()); }
    operator std::string() const { return str(); }
    /** Gives up ownership: the caller must pass the pointer to sts_string_free. */
    char *release() noexcept {
        size_ = 0;
        return ptr_.release();
    }

private:
    struct Free {
        void operator()(char *s) const noexcept { sts_string_free(s); }
    };
    std::unique_ptr<char, Free> ptr_;
    std::size_t size_ = 0;
};

inline std::ostream &operator<<(std::ostream &os, const Json &json) { return os << json.view(); }

/**
 * A JSON argument, built implicitly from what the caller has. `const char *` and `std::string`
 * are passed through without a copy; a `std::string_view` is copied once to add the NUL.
 * Meant only as a parameter: it borrows its source for the duration of the call.
 */
class JsonArg {
public:
    JsonArg(const char *text) noexcept : ptr_(text) {}
    JsonArg(const std::string &text) noexcept : ptr_(text.c_str()), nul_at_(find_nul(text)) {}
    JsonArg(std::string_view text) : copy_(text), ptr_(copy_.c_str()), nul_at_(find_nul(text)) {}
    JsonArg(const JsonArg &) = delete;
    JsonArg &operator=(const JsonArg &) = delete;
    ~JsonArg() {
        // The copy may hold a secret_key: wipe it, as libsts wipes its results (volatile, so the
        // stores are not dropped as dead before the free).
        volatile char *p = copy_.data();
        for (std::size_t i = 0; i < copy_.size(); ++i) p[i] = '\0';
    }

    /** NULL when built from a null `const char *` (libsts then answers STS_INVALID_ARGUMENT). */
    const char *c_str() const noexcept { return ptr_; }
    /** Offset of the first NUL byte inside a std::string or std::string_view, else npos. */
    std::size_t nul_at() const noexcept { return nul_at_; }

private:
    static std::size_t find_nul(std::string_view text) noexcept {
        const void *nul = text.empty() ? nullptr : std::memchr(text.data(), '\0', text.size());
        return nul ? static_cast<std::size_t>(static_cast<const char *>(nul) - text.data()) : std::string_view::npos;
    }

    std::string copy_; // declared before ptr_, which may point into it
    const char *ptr_;
    std::size_t nul_at_ = std::string_view::npos;
};

/**
 * A failed libsts call. `code()` is the StsCode; `error_code()` the `error.code` string
 * (`Client.InvalidArgument`, or the service's own code such as `AuthFailure.SignatureFailure`);
 * `message()` the message, which never holds a secret; `request_id()` the service's request
 * id, empty when the service never answered. Copying never throws (the fields are shared).
 */
class Error : public std::runtime_error {
public:
    Error(StsCode code, std::string error_code, std::string message, std::string request_id)
        : std::runtime_error(describe(error_code, message, request_id)),
          fields_(std::make_shared<const Fields>(Fields{code, std::move(error_code), std::move(message),
                                                        std::move(request_id)})) {}

    StsCode code() const noexcept { return fields_->code; }
    const std::string &error_code() const noexcept { return fields_->error_code; }
    const std::string &message() const noexcept { return fields_->message; }
    const std::string &request_id() const noexcept { return fields_->request_id; }

private:
    struct Fields {
        StsCode code;
        std::string error_code;
        std::string message;
        std::string request_id;
    };

    static std::string describe(const std::string &error_code, const std::string &message,
                                const std::string &request_id) {
        std::string text = error_code + ": " + message;
        if (!request_id.empty()) text += " (request id " + request_id + ")";
        return text;
    }

    std::shared_ptr<const Fields> fields_;
};

/** STS_INVALID_ARGUMENT: bad input, nothing was sent. The message starts with the field. */
class InvalidArgument : public Error {
public:
    InvalidArgument(std::string error_code, std::string message, std::string request_id)
        : Error(STS_INVALID_ARGUMENT, std::move(error_code), std::move(message), std::move(request_id)) {}
};

/** STS_NETWORK: DNS, connect, TLS, proxy or timeout failure, after the retries. */
class NetworkError : public Error {
public:
    NetworkError(std::string error_code, std::string message, std::string request_id)
        : Error(STS_NETWORK, std::move(error_code), std::move(message), std::move(request_id)) {}
};

/** STS_SERVICE: STS answered an error; error_code() and request_id() are the service's. */
class ServiceError : public Error {
public:
    ServiceError(std::string error_code, std::string message, std::string request_id)
        : Error(STS_SERVICE, std::move(error_code), std::move(message), std::move(request_id)) {}
};

/** STS_BAD_RESPONSE: the answer was not a valid STS response. */
class BadResponse : public Error {
public:
    BadResponse(std::string error_code, std::string message, std::string request_id)
        : Error(STS_BAD_RESPONSE, std::move(error_code), std::move(message), std::move(request_id)) {}
};

/** STS_INTERNAL: a bug in libsts. Please report it. */
class InternalError : public Error {
public:
    InternalError(std::string error_code, std::string message, std::string request_id)
        : Error(STS_INTERNAL, std::move(error_code), std::move(message), std::move(request_id)) {}
};

namespace detail {

/**
 * Reads the three string fields of libsts's error JSON,
 * `{"error":{"code":"..","message":"..","requestId":".."|null}}`. A small strict JSON reader
 * rather than a dependency: keys in any order, unknown members skipped, escapes (surrogate
 * pairs included) decoded to UTF-8. Returns false when the text is not that shape.
 */
class ErrorJsonReader {
public:
    explicit ErrorJsonReader(std::string_view text) noexcept : text_(text) {}

    bool read(std::string &code, std::string &message, std::string &request_id) {
        bool have_error = false;
        if (!object([&](std::string_view key) {
                if (key != "error" || have_error) return skip_value(0);
                have_error = true;
                return error_object(code, message, request_id);
            }))
            return false;
        skip_space();
        return have_error && pos_ == text_.size();
    }

private:
    static constexpr int max_depth = 64;

    bool error_object(std::string &code, std::string &message, std::string &request_id) {
        bool have_code = false, have_message = false;
        return object([&](std::string_view key) {
                   if (key == "code") return have_code = (code.clear(), string(&code));
                   if (key == "message") return have_message = (message.clear(), string(&message));
                   if (key == "requestId") return request_id.clear(), literal("null") || string(&request_id);
                   return skip_value(1);
               }) &&
               have_code && have_message;
    }

    // `{ "key": value, ... }`, calling member(key) with the position on the value.
    template <typename Member> bool object(Member member) {
        if (!consume('{')) return false;
        if (consume('}')) return true;
        std::string key;
        do {
            key.clear();
            skip_space();
            if (!string(&key) || !consume(':') || !member(std::string_view(key))) return false;
        } while (consume(','));
        return consume('}');
    }

    bool skip_value(int depth) {
        if (depth > max_depth) return false;
        skip_space();
        if (pos_ >= text_.size()) return false;
        switch (text_[pos_]) {
        case '"':
            return string(nullptr);
        case '{':
            return object([&](std::string_view) { return skip_value(depth + 1); });
        case '[':
            ++pos_;
            if (consume(']')) return true;
            do {
                if (!skip_value(depth + 1)) return false;
            } while (consume(','));
            return consume(']');
        case 't':
            return literal("true");
        case 'f':
            return literal("false");
        case 'n':
            return literal("null");
        default:
            return number();
        }
    }

    bool number() {
        const std::size_t start = pos_;
        while (pos_ < text_.size() && std::strchr("+-.0123456789eE", text_[pos_]) && text_[pos_] != '\0') ++pos_;
        return pos_ > start;
    }

    bool literal(std::string_view word) {
        skip_space();
        if (text_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    // A JSON string at pos_, decoded into *out (skipped when out is null).
    bool string(std::string *out) {
        skip_space();
        if (pos_ >= text_.size() || text_[pos_] != '"') return false;
        ++pos_;
        while (pos_ < text_.size()) {
            const unsigned char c = static_cast<unsigned char>(text_[pos_++]);
            if (c == '"') return true;
            if (c < 0x20) return false; // raw control characters are not JSON
            if (c != '\\') {
                if (out) out->push_back(static_cast<char>(c));
                continue;
            }
            if (pos_ >= text_.size()) return false;
            const char escape = text_[pos_++];
            char plain = 0;
            switch (escape) {
            case '"': plain = '"'; break;
            case '\\': plain = '\\'; break;
            case '/': plain = '/'; break;
            case 'b': plain = '\b'; break;
            case 'f': plain = '\f'; break;
            case 'n': plain = '\n'; break;
            case 'r': plain = '\r'; break;
            case 't': plain = '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
                    const std::size_t save = pos_;
                    pos_ += 2;
                    std::uint32_t low = 0;
                    if (!hex4(low)) return false;
                    if (low >= 0xDC00 && low <= 0xDFFF)
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    else
                        pos_ = save; // not a pair: the high half stands alone
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; // a lone surrogate is not UTF-8
                if (out) utf8(cp, *out);
                continue;
            }
            default:
                return false;
            }
            if (out) out->push_back(plain);
        }
        return false; // unterminated
    }

    bool hex4(std::uint32_t &value) {
        if (text_.size() - pos_ < 4) return false;
        for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_++];
            value <<= 4;
            if (h >= '0' && h <= '9') value |= static_cast<std::uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f') value |= static_cast<std::uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') value |= static_cast<std::uint32_t>(h - 'A' + 10);
            else return false;
        }
        return true;
    }

    static void utf8(std::uint32_t cp, std::string &out) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    bool consume(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void skip_space() noexcept {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace detail

/**
 * Throws the sts::Error subclass for `code` with the fields of `error_json` (the `out_json` of
 * a failed C call). Useful when calling the C functions directly. A code this header does not
 * know (from a newer library) throws a plain sts::Error; so does STS_OK, which is not a failure
 * to report. The error JSON's shape is fixed, so JSON that cannot be read is a bug in libsts:
 * sts::InternalError, with the text in the message (error JSON never holds a secret).
 */
[[noreturn]] inline void throw_error(StsCode code, std::string_view error_json) {
    std::string error_code, message, request_id;
    if (!detail::ErrorJsonReader(error_json).read(error_code, message, request_id)) {
        throw InternalError("Client.Internal",
                            "unreadable error JSON for StsCode " + std::to_string(static_cast<int>(code)) + ": " +
                                std::string(error_json),
                            std::string());
    }
    switch (code) {
    case STS_INVALID_ARGUMENT: throw InvalidArgument(std::move(error_code), std::move(message), std::move(request_id));
    case STS_NETWORK: throw NetworkError(std::move(error_code), std::move(message), std::move(request_id));
    case STS_SERVICE: throw ServiceError(std::move(error_code), std::move(message), std::move(request_id));
    case STS_BAD_RESPONSE: throw BadResponse(std::move(error_code), std::move(message), std::move(request_id));
    case STS_INTERNAL: throw InternalError(std::move(error_code), std::move(message), std::move(request_id));
    default: throw Error(code, std::move(error_code), std::move(message), std::move(request_id));
    }
}

namespace detail {

/** For the calls whose refusal comes with a code and no error JSON. */
[[noreturn]] inline void throw_without_json(StsCode code, std::string message) {
    switch (code) {
    case STS_INVALID_ARGUMENT: throw InvalidArgument("Client.InvalidArgument", std::move(message), std::string());
    case STS_NETWORK: throw NetworkError("Client.Network", std::move(message), std::string());
    default:
        throw InternalError("Client.Internal", std::move(message) + " (StsCode " + std::to_string(static_cast<int>(code)) + ")",
                            std::string());
    }
}

// `name` is the input's name in the library's own messages ("config: NULL pointer").
inline void check_input(const JsonArg &input, const char *name) {
    if (input.nul_at() != std::string_view::npos) {
        // C would see the text cut short at the NUL: refuse it, as the library refuses bad UTF-8.
        throw InvalidArgument("Client.InvalidArgument",
                              std::string(name) + ": contains a NUL byte at offset " + std::to_string(input.nul_at()),
                              std::string());
    }
}

using Function = StsCode (*)(const char *, char **);

inline Json call(Function function, const JsonArg &input, const char *name) {
    check_input(input, name);
    char *out = nullptr;
    const StsCode code = function(input.c_str(), &out);
    Json result(out); // owned from here on, whatever happens next
    if (code != STS_OK) throw_error(code, result.view());
    return result;
}

/** One accepted async call: the caller's callable, owned by libsts's callback until it runs. */
template <typename F> struct AsyncCall {
    F on_done;

    // The StsCallback: exactly once, on a libsts worker thread. Nothing may unwind into libsts,
    // so this is noexcept: an exception escaping on_done ends the process (std::terminate).
    static void answer(void *user_data, StsCode code, char *out_json) noexcept {
        std::unique_ptr<AsyncCall> call(static_cast<AsyncCall *>(user_data));
        Json json(out_json);
        std::exception_ptr error;
        if (code != STS_OK) {
            try {
                throw_error(code, json.view());
            } catch (...) {
                error = std::current_exception();
            }
            json = Json();
        }
        call->on_done(std::move(error), std::move(json));
    }
};

using AsyncFunction = StsCode (*)(const char *, StsCallback, void *);

template <typename F> void call_async(AsyncFunction function, const JsonArg &input, const char *name, F &&on_done) {
    using Call = AsyncCall<std::decay_t<F>>;
    static_assert(std::is_invocable_v<std::decay_t<F> &, std::exception_ptr, Json>,
                  "on_done must be callable as on_done(std::exception_ptr error, sts::Json result)");
    check_input(input, name);
    std::unique_ptr<Call> call(new Call{std::forward<F>(on_done)});
    const StsCode code = function(input.c_str(), &Call::answer, call.get());
    if (code != STS_OK) {
        // Not accepted, so the callback will never run: the call is still ours to free.
        throw_without_json(code, code == STS_NETWORK ? "the async call was not accepted: libsts is overloaded (65,536 calls "
                                                       "waiting, or no worker thread could start); try again later"
                                                     : "the async call was not accepted");
    }
    call.release(); // accepted: answer() owns it now, and may already have run
}

inline std::future<Json> future_async(AsyncFunction function, const JsonArg &input, const char *name) {
    std::promise<Json> promise;
    std::future<Json> future = promise.get_future();
    call_async(function, input, name, [promise = std::move(promise)](std::exception_ptr error, Json json) mutable {
        if (error)
            promise.set_exception(std::move(error));
        else
            promise.set_value(std::move(json));
    });
    return future;
}

} // namespace detail

/** STS GetFederationToken (blocks on the network): the credential JSON. Throws sts::Error. */
inline Json get_credential(JsonArg config_json) {
    return detail::call(&sts_get_credential, config_json, "config");
}

/**
 * STS AssumeRole (blocks on the network): the credential JSON. The config may add session
 * `tags`, `source_identity` and MFA `serial_number` + `token_code`. Throws sts::Error.
 */
inline Json get_role_credential(JsonArg config_json) {
    return detail::call(&sts_get_role_credential, config_json, "config");
}

/**
 * STS GetCallerIdentity with the config's key (blocks on the network):
 * `{"arn","accountId","userId","principalId","type","requestId","credentialSource"}`. The config
 * takes the identity, `region` and transport keys only. Throws sts::Error.
 */
inline Json get_caller_identity(JsonArg config_json) {
    return detail::call(&sts_get_caller_identity, config_json, "config");
}

/**
 * STS AssumeRoleWithWebIdentity, unsigned, for a caller holding an OIDC token (`provider_id`,
 * `web_identity_token` or `web_identity_token_file`, `role_arn`, ...); blocks on the network.
 * The credential JSON. Throws sts::Error; no message holds the token.
 */
inline Json get_web_identity_credential(JsonArg config_json) {
    return detail::call(&sts_get_web_identity_credential, config_json, "config");
}

/** A CAM policy from a JSON array of scopes; local, no network. Throws sts::InvalidArgument. */
inline Json get_policy(JsonArg scopes_json) { return detail::call(&sts_get_policy, scopes_json, "scopes"); }

/** The normalized config (no secret in it), without network access. Throws sts::InvalidArgument. */
inline Json check_config(JsonArg config_json) {
    return detail::call(&sts_check_config, config_json, "config");
}

/**
 * STS GetFederationToken for one object whose key libsts chooses (a config with `upload`): the
 * credential JSON plus `bucket`, `region` and `key`. Blocks on the network. Throws sts::Error.
 */
inline Json get_upload_credential(JsonArg config_json) {
    return detail::call(&sts_get_upload_credential, config_json, "config");
}

/**
 * The non-blocking forms. `on_done(std::exception_ptr error, sts::Json result)` is called exactly
 * once, on a libsts worker thread (possibly before this returns): with a null `error` and the
 * result, or with the sts::Error the blocking call would have thrown and an empty result. It
 * should return promptly and must not throw (that ends the process: nothing may unwind into
 * libsts). The config is copied before the call returns. Thrown at once, with on_done never
 * called: sts::InvalidArgument for a NUL byte in the config, sts::NetworkError when libsts is
 * overloaded. The forms without on_done return a std::future instead.
 */
template <typename F> void get_credential_async(JsonArg config_json, F &&on_done) {
    detail::call_async(&sts_get_credential_async, config_json, "config", std::forward<F>(on_done));
}
inline std::future<Json> get_credential_async(JsonArg config_json) {
    return detail::future_async(&sts_get_credential_async, config_json, "config");
}

/** AssumeRole without blocking; as get_credential_async. */
template <typename F> void get_role_credential_async(JsonArg config_json, F &&on_done) {
    detail::call_async(&sts_get_role_credential_async, config_json, "config", std::forward<F>(on_done));
}
inline std::future<Json> get_role_credential_async(JsonArg config_json) {
    return detail::future_async(&sts_get_role_credential_async, config_json, "config");
}

/** get_caller_identity without blocking; as get_credential_async. */
template <typename F> void get_caller_identity_async(JsonArg config_json, F &&on_done) {
    detail::call_async(&sts_get_caller_identity_async, config_json, "config", std::forward<F>(on_done));
}
inline std::future<Json> get_caller_identity_async(JsonArg config_json) {
    return detail::future_async(&sts_get_caller_identity_async, config_json, "config");
}

/** get_web_identity_credential without blocking; as get_credential_async. */
template <typename F> void get_web_identity_credential_async(JsonArg config_json, F &&on_done) {
    detail::call_async(&sts_get_web_identity_credential_async, config_json, "config", std::forward<F>(on_done));
}
inline std::future<Json> get_web_identity_credential_async(JsonArg config_json) {
    return detail::future_async(&sts_get_web_identity_credential_async, config_json, "config");
}

/** get_upload_credential without blocking; as get_credential_async. */
template <typename F> void get_upload_credential_async(JsonArg config_json, F &&on_done) {
    detail::call_async(&sts_get_upload_credential_async, config_json, "config", std::forward<F>(on_done));
}
inline std::future<Json> get_upload_credential_async(JsonArg config_json) {
    return detail::future_async(&sts_get_upload_credential_async, config_json, "config");
}

/** How many worker threads the async calls may use (1..=1024, default 64). Throws sts::InvalidArgument. */
inline void set_async_workers(std::uint32_t workers) {
    const StsCode code = sts_set_async_workers(workers);
    if (code != STS_OK)
        detail::throw_without_json(code, "workers: " + std::to_string(workers) + " is out of range 1..=1024");
}

/** Empties this process's credential cache (config `"cache"`), wiping every cached key. */
inline void cache_clear() noexcept { sts_cache_clear(); }

/** The version of the library in use, e.g. "0.1.0" (static storage, no copy). */
inline std::string_view version() noexcept { return sts_version(); }

/** The version of the headers compiled in; equal to version() unless the build mixed releases. */
inline constexpr int header_version_major = STS_VERSION_MAJOR;
inline constexpr int header_version_minor = STS_VERSION_MINOR;
inline constexpr int header_version_patch = STS_VERSION_PATCH;

} // namespace sts

#endif /* STS_HPP */
