// Tests of include/sts.hpp through the real library: results, every exception type with its
// fields, the error JSON reader, ownership (run under ASan/LSan as sts_cpp_test_asan), and
// calls against the emulator (STS_EMULATOR_URL; STS_EMULATOR_MALFORMED_URL answers `not json`).
#include <sts.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace {

constexpr const char *kEmulatorId = "AKIDEMULATOREXAMPLE0000000000000000";
constexpr const char *kEmulatorKey = "emulator-secret-key-EXAMPLE";

constexpr const char *kScopes =
    R"([{"action":"name/cos:PutObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"dir/*"}])";
constexpr const char *kPolicy =
    R"({"version":"2.0","statement":[{"action":["name/cos:PutObject"],"effect":"allow",)"
    R"("resource":["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"]}]})";

std::string required_env(const char *name) {
    const char *value = std::getenv(name);
    return value ? value : "";
}

// A GetFederationToken config for `url`, signed with `key`.
std::string config_for(const std::string &url, const std::string &key = kEmulatorKey,
                       const std::string &extra = "") {
    return std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + key + R"(","url":")" + url +
           R"(","bucket":"example-1250000000","region":"ap-guangzhou","allow_prefix":"uploads/user-42/*",)"
           R"("allow_actions":["name/cos:PutObject"],"retries":0)" +
           extra + "}";
}

// Calls `f`, expects it to throw exactly `E`, and returns the exception for its fields.
template <typename E, typename F> E expect_throw(F f) {
    try {
        f();
    } catch (const E &e) {
        EXPECT_EQ(typeid(e), typeid(E)) << "a subclass of the expected type: " << e.what();
        return e;
    } catch (const std::exception &e) {
        ADD_FAILURE() << "threw " << typeid(e).name() << ": " << e.what();
        throw;
    }
    ADD_FAILURE() << "did not throw";
    throw std::logic_error("did not throw");
}

// ---- types and versions -------------------------------------------------------------------

static_assert(!std::is_copy_constructible_v<sts::Json>, "a result has one owner");
static_assert(std::is_nothrow_move_constructible_v<sts::Json> && std::is_nothrow_move_assignable_v<sts::Json>);
static_assert(std::is_nothrow_copy_constructible_v<sts::Error>, "exceptions copy without throwing");
static_assert(std::is_base_of_v<std::runtime_error, sts::Error>);
static_assert(std::is_base_of_v<sts::Error, sts::InvalidArgument> && std::is_base_of_v<sts::Error, sts::NetworkError> &&
              std::is_base_of_v<sts::Error, sts::ServiceError> && std::is_base_of_v<sts::Error, sts::BadResponse> &&
              std::is_base_of_v<sts::Error, sts::InternalError>);

TEST(Version, LibraryHeaderAndPackageAgree) {
    const std::string header = std::to_string(sts::header_version_major) + "." +
                               std::to_string(sts::header_version_minor) + "." +
                               std::to_string(sts::header_version_patch);
    EXPECT_EQ(sts::version(), header);
    EXPECT_EQ(sts::version(), STS_EXPECTED_VERSION); // the version find_package(sts) reported
}

// ---- get_policy and the argument kinds ----------------------------------------------------

TEST(GetPolicy, BuildsThePolicy) {
    const sts::Json policy = sts::get_policy(kScopes);
    EXPECT_EQ(policy.view(), kPolicy);
    EXPECT_EQ(policy.size(), std::strlen(kPolicy));
    EXPECT_STREQ(policy.c_str(), kPolicy);
}

TEST(GetPolicy, EmptyScopesGiveAnEmptyStatement) {
    EXPECT_EQ(sts::get_policy("[]").view(), R"({"version":"2.0","statement":[]})");
}

TEST(GetPolicy, TakesStdStringAndUnterminatedStringView) {
    const std::string owned = kScopes;
    EXPECT_EQ(sts::get_policy(owned).view(), kPolicy);
    // A view into a larger buffer: nothing after its end may be read or sent.
    const std::string buffer = std::string(kScopes) + "]]] trailing bytes that are not JSON";
    const std::string_view view(buffer.data(), std::strlen(kScopes));
    EXPECT_EQ(sts::get_policy(view).view(), kPolicy);
    EXPECT_THROW((void)sts::get_policy(std::string_view(buffer)), sts::InvalidArgument) << "the whole buffer is not JSON";
}

TEST(GetPolicy, RefusesAnEmbeddedNulInsteadOfTruncating) {
    const std::string with_nul = std::string("[]\0[1]", 6);
    for (int kind = 0; kind < 2; ++kind) {
        const auto e = expect_throw<sts::InvalidArgument>([&] {
            if (kind == 0) (void)sts::get_policy(with_nul);
            else (void)sts::get_policy(std::string_view(with_nul));
        });
        EXPECT_EQ(e.code(), STS_INVALID_ARGUMENT);
        EXPECT_EQ(e.error_code(), "Client.InvalidArgument");
        EXPECT_EQ(e.message(), "scopes: contains a NUL byte at offset 2");
        EXPECT_EQ(e.request_id(), "");
    }
}

TEST(GetPolicy, NullPointerIsTheLibrarysInvalidArgument) {
    const auto e = expect_throw<sts::InvalidArgument>([] { (void)sts::get_policy(static_cast<const char *>(nullptr)); });
    EXPECT_EQ(e.message(), "scopes: NULL pointer");
}

TEST(GetPolicy, InvalidScopeNamesTheField) {
    const auto e = expect_throw<sts::InvalidArgument>([] {
        (void)sts::get_policy(R"([{"action":"name/cos:PutObject","bucket":"Bad\"Bucket","region":"ap-guangzhou","prefix":"a"}])");
    });
    EXPECT_EQ(e.code(), STS_INVALID_ARGUMENT);
    EXPECT_EQ(e.error_code(), "Client.InvalidArgument");
    // The quote came through the JSON escape and back.
    EXPECT_EQ(e.message().rfind("scopes[0].bucket: `Bad\"Bucket` contains '\"'", 0), 0u) << e.message();
    EXPECT_EQ(e.request_id(), "");
    EXPECT_EQ(std::string(e.what()), "Client.InvalidArgument: " + e.message());
}

// ---- check_config -------------------------------------------------------------------------

TEST(CheckConfig, NormalizesWithoutTheSecret) {
    const sts::Json normalized = sts::check_config(config_for("http://127.0.0.1:1/"));
    const std::string_view text = normalized.view();
    EXPECT_NE(text.find(R"("action":"GetFederationToken")"), std::string_view::npos) << text;
    EXPECT_NE(text.find(R"("session_token":false)"), std::string_view::npos) << text;
    EXPECT_EQ(text.find(kEmulatorKey), std::string_view::npos) << "the secret key came back";
}

TEST(CheckConfig, UnknownKeySuggestsTheRightOne) {
    const auto e = expect_throw<sts::InvalidArgument>([] { (void)sts::check_config(R"({"bukcet":"b-1"})"); });
    EXPECT_EQ(e.message(), "bukcet: unknown config key (did you mean `bucket`?)");
}

// ---- against the emulator -----------------------------------------------------------------

class Emulator : public ::testing::Test {
protected:
    void SetUp() override {
        url_ = required_env("STS_EMULATOR_URL");
        ASSERT_FALSE(url_.empty()) << "STS_EMULATOR_URL is not set (make test-dist-c starts an emulator)";
    }
    std::string url_;
};

TEST_F(Emulator, GetCredential) {
    const sts::Json credential = sts::get_credential(config_for(url_));
    const std::string_view text = credential.view();
    for (const char *field : {R"("tmpSecretId":")", R"("tmpSecretKey":")", R"("sessionToken":")", R"("expiredTime":)",
                              R"("requestId":")"})
        EXPECT_NE(text.find(field), std::string_view::npos) << field << " missing in " << text;
}

TEST_F(Emulator, GetRoleCredential) {
    const std::string config = std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey +
                               R"(","url":")" + url_ +
                               R"(","role_arn":"qcs::cam::uin/100000000001:roleName/cos-uploader","retries":0})";
    const sts::Json credential = sts::get_role_credential(config);
    EXPECT_NE(credential.view().find(R"("sessionToken":")"), std::string_view::npos) << credential.view();
}

TEST_F(Emulator, ServiceErrorCarriesTheServicesCodeAndRequestId) {
    const auto e = expect_throw<sts::ServiceError>(
        [&] { (void)sts::get_credential(config_for(url_, "wrong-key-SECRET-MARKER")); });
    EXPECT_EQ(e.code(), STS_SERVICE);
    EXPECT_EQ(e.error_code(), "AuthFailure.SignatureFailure");
    EXPECT_FALSE(e.message().empty());
    EXPECT_FALSE(e.request_id().empty());
    EXPECT_EQ(std::string(e.what()), "AuthFailure.SignatureFailure: " + e.message() + " (request id " + e.request_id() + ")");
    EXPECT_EQ(std::string(e.what()).find("SECRET-MARKER"), std::string::npos) << "the secret key leaked";
}

TEST_F(Emulator, BadResponse) {
    const std::string malformed = required_env("STS_EMULATOR_MALFORMED_URL");
    ASSERT_FALSE(malformed.empty()) << "STS_EMULATOR_MALFORMED_URL is not set";
    const auto e = expect_throw<sts::BadResponse>([&] { (void)sts::get_credential(config_for(malformed)); });
    EXPECT_EQ(e.code(), STS_BAD_RESPONSE);
    EXPECT_EQ(e.error_code(), "Client.BadResponse");
    EXPECT_FALSE(e.message().empty());
}

TEST(Network, RefusedConnectionIsANetworkError) {
    const auto e = expect_throw<sts::NetworkError>([] { (void)sts::get_credential(config_for("http://127.0.0.1:1/")); });
    EXPECT_EQ(e.code(), STS_NETWORK);
    EXPECT_EQ(e.error_code(), "Client.Network");
    EXPECT_EQ(e.request_id(), "") << "no service answered";
}

TEST_F(Emulator, ThreadsShareNothing) {
    std::vector<std::thread> threads;
    std::vector<int> good(4, 0);
    for (std::size_t t = 0; t < good.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                const bool policy_ok = sts::get_policy(kScopes).view() == kPolicy;
                const bool key_ok = sts::get_credential(config_for(url_)).view().find("tmpSecretKey") != std::string_view::npos;
                good[t] += policy_ok && key_ok;
            }
        });
    }
    for (auto &thread : threads) thread.join();
    for (int count : good) EXPECT_EQ(count, 10);
}

// ---- caller identity, web identity, temporary keys, AssumeRole extras ----------------------

// The provider and token the emulator of test-dist.sh accepts.
constexpr const char *kOidcToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-SECRET-MARKER";

std::string web_config(const std::string &url, const std::string &token = kOidcToken) {
    return std::string(R"({"provider_id":"tke-oidc","web_identity_token":")") + token +
           R"(","role_arn":"qcs::cam::uin/100000000001:roleName/cos-uploader","url":")" + url + R"(","retries":0})";
}

TEST_F(Emulator, GetCallerIdentityNamesTheAccountAndTheSource) {
    const std::string config = std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey +
                               R"(","url":")" + url_ + R"("})";
    const sts::Json identity = sts::get_caller_identity(config);
    EXPECT_NE(identity.view().find(R"("type":"RootAccount")"), std::string_view::npos) << identity.view();
    EXPECT_NE(identity.view().find(R"("credentialSource":"config")"), std::string_view::npos) << identity.view();
    std::future<sts::Json> future = sts::get_caller_identity_async(config);
    ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_NE(future.get().view().find(R"("accountId":")"), std::string_view::npos);
}

TEST(CallerIdentity, ActionKeysAreRefusedNamingThem) {
    const auto e = expect_throw<sts::InvalidArgument>([] {
        (void)sts::get_caller_identity(std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" +
                                       kEmulatorKey + R"(","url":"http://127.0.0.1:1/","bucket":"b-1"})");
    });
    EXPECT_EQ(e.message().rfind("bucket: not a key of sts_get_caller_identity", 0), 0u) << e.message();
}

TEST_F(Emulator, GetWebIdentityCredential) {
    const sts::Json credential = sts::get_web_identity_credential(web_config(url_));
    EXPECT_NE(credential.view().find(R"("sessionToken":")"), std::string_view::npos) << credential.view();
    std::future<sts::Json> future = sts::get_web_identity_credential_async(web_config(url_, "eyJ.wrong.SECRET-MARKER"));
    const auto e = expect_throw<sts::ServiceError>([&] { (void)future.get(); });
    EXPECT_EQ(e.error_code(), "InvalidParameter.WebIdentityTokenError");
    EXPECT_EQ(std::string(e.what()).find("SECRET-MARKER"), std::string::npos) << "the token leaked";
}

TEST(TemporaryKey, GetFederationTokenIsRefusedBeforeSending) {
    const auto e = expect_throw<sts::InvalidArgument>([] {
        (void)sts::get_credential(std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey +
                                  R"(","session_token":"token-SECRET-MARKER","url":"http://127.0.0.1:1/",)"
                                  R"("bucket":"example-1250000000","allow_prefix":"dir/*","allow_actions":["name/cos:PutObject"]})");
    });
    EXPECT_NE(e.message().find("use sts_get_role_credential with `role_arn` and the same policy"), std::string::npos)
        << e.message();
    EXPECT_EQ(e.message().find("SECRET-MARKER"), std::string::npos);
}

TEST(RoleExtras, ABadTagIsNamed) {
    const auto e = expect_throw<sts::InvalidArgument>([] {
        (void)sts::get_role_credential(std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" +
                                       kEmulatorKey +
                                       R"(","url":"http://127.0.0.1:1/","role_arn":"qcs::cam::uin/1:roleName/r",)"
                                       R"("tags":[{"key":"","value":"v"}]})");
    });
    EXPECT_EQ(e.message(), "tags[0].key: must be 1 to 128 characters long, got 0");
}

// ---- upload credentials and the cache -----------------------------------------------------

TEST_F(Emulator, UploadCredentialNamesItsOneKey) {
    const std::string config = std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey +
                               R"(","url":")" + url_ +
                               R"(","bucket":"example-1250000000","region":"ap-guangzhou","upload":{"filename":"Photo.JPG"}})";
    const sts::Json credential = sts::get_upload_credential(config);
    const std::string_view text = credential.view();
    EXPECT_NE(text.find(R"("key":"file/)"), std::string_view::npos) << text;
    EXPECT_NE(text.find(R"(.jpg")"), std::string_view::npos) << "the extension, lower-cased: " << text;
    EXPECT_NE(text.find(R"("sessionToken":")"), std::string_view::npos) << text;
}

TEST(Upload, RefusedExtensionNamesTheField) {
    const auto e = expect_throw<sts::InvalidArgument>([] {
        (void)sts::get_upload_credential(
            std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey +
            R"(","url":"http://127.0.0.1:1/","bucket":"example-1250000000","region":"ap-guangzhou",)"
            R"("upload":{"filename":"run.exe","allow_ext":[".jpg"]}})");
    });
    EXPECT_EQ(e.message(), "upload.ext: `.exe` is not allowed; allowed: .jpg");
}

TEST_F(Emulator, CacheClearForgetsCachedKeys) {
    const std::string config = config_for(url_, kEmulatorKey, R"(,"cache":true)");
    const std::string first = sts::get_credential(config);
    EXPECT_EQ(sts::get_credential(config).view(), first) << "a cache hit gives the same keys";
    sts::cache_clear();
    EXPECT_NE(sts::get_credential(config).view(), first) << "after cache_clear the keys are new";
    sts::cache_clear();
}

// ---- async --------------------------------------------------------------------------------

TEST_F(Emulator, AsyncFutureGivesTheCredential) {
    std::future<sts::Json> future = sts::get_credential_async(config_for(url_));
    ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    const sts::Json credential = future.get();
    EXPECT_NE(credential.view().find(R"("tmpSecretKey":")"), std::string_view::npos) << credential.view();
}

TEST_F(Emulator, AsyncFutureCarriesTheServiceError) {
    std::future<sts::Json> future = sts::get_credential_async(config_for(url_, "wrong-key-SECRET-MARKER"));
    const auto e = expect_throw<sts::ServiceError>([&] { (void)future.get(); });
    EXPECT_EQ(e.error_code(), "AuthFailure.SignatureFailure");
    EXPECT_FALSE(e.request_id().empty());
}

TEST(Async, BadConfigIsAnsweredThroughTheFuture) {
    std::future<sts::Json> future = sts::get_credential_async(R"({"bukcet":"b-1"})");
    const auto e = expect_throw<sts::InvalidArgument>([&] { (void)future.get(); });
    EXPECT_EQ(e.message(), "bukcet: unknown config key (did you mean `bucket`?)");
}

TEST(Async, EmbeddedNulThrowsAtOnceAndNeverCallsBack) {
    bool called = false;
    const std::string with_nul = std::string("{}\0", 3);
    const auto e = expect_throw<sts::InvalidArgument>(
        [&] { sts::get_credential_async(with_nul, [&](std::exception_ptr, sts::Json) { called = true; }); });
    EXPECT_EQ(e.message(), "config: contains a NUL byte at offset 2");
    EXPECT_FALSE(called);
}

// What a callback saw; shared with it, so a test that gives up waiting leaves nothing dangling.
struct Answer {
    std::mutex mutex;
    std::condition_variable done;
    int calls = 0;
    std::thread::id thread;
    std::exception_ptr error;
    std::string text;

    bool wait(std::unique_lock<std::mutex> &lock) {
        return done.wait_for(lock, std::chrono::seconds(30), [&] { return calls > 0; });
    }
};

auto recorder(const std::shared_ptr<Answer> &answer) {
    return [answer](std::exception_ptr error, sts::Json result) {
        std::lock_guard<std::mutex> lock(answer->mutex);
        ++answer->calls;
        answer->thread = std::this_thread::get_id();
        answer->error = std::move(error);
        answer->text = result.str();
        answer->done.notify_all();
    };
}

TEST_F(Emulator, AsyncCallbackRunsOnceOnAWorkerThread) {
    const auto answer = std::make_shared<Answer>();
    sts::get_role_credential_async(
        std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" + kEmulatorKey + R"(","url":")" + url_ +
            R"(","role_arn":"qcs::cam::uin/100000000001:roleName/cos-uploader","retries":0})",
        recorder(answer));
    std::unique_lock<std::mutex> lock(answer->mutex);
    ASSERT_TRUE(answer->wait(lock));
    EXPECT_EQ(answer->calls, 1);
    EXPECT_NE(answer->thread, std::this_thread::get_id());
    EXPECT_EQ(answer->error, nullptr);
    EXPECT_NE(answer->text.find(R"("sessionToken":")"), std::string::npos) << answer->text;
}

TEST_F(Emulator, AsyncCallbackErrorHasTheTypeAndAnEmptyResult) {
    const std::string malformed = required_env("STS_EMULATOR_MALFORMED_URL");
    ASSERT_FALSE(malformed.empty()) << "STS_EMULATOR_MALFORMED_URL is not set";
    const auto answer = std::make_shared<Answer>();
    sts::get_credential_async(config_for(malformed), recorder(answer));
    std::unique_lock<std::mutex> lock(answer->mutex);
    ASSERT_TRUE(answer->wait(lock));
    EXPECT_EQ(answer->calls, 1);
    EXPECT_EQ(answer->text, "");
    ASSERT_NE(answer->error, nullptr);
    const auto e = expect_throw<sts::BadResponse>([&] { std::rethrow_exception(answer->error); });
    EXPECT_EQ(e.error_code(), "Client.BadResponse");
}

TEST_F(Emulator, ManyAsyncCallsAtOnce) {
    std::vector<std::future<sts::Json>> futures;
    for (int i = 0; i < 40; ++i) {
        futures.push_back(i % 2 ? sts::get_credential_async(config_for(url_))
                                : sts::get_upload_credential_async(
                                      std::string(R"({"secret_id":")") + kEmulatorId + R"(","secret_key":")" +
                                      kEmulatorKey + R"(","url":")" + url_ +
                                      R"(","bucket":"example-1250000000","region":"ap-guangzhou","upload":{"ext":".png"}})"));
    }
    for (auto &future : futures) {
        ASSERT_EQ(future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
        EXPECT_NE(future.get().view().find(R"("sessionToken":")"), std::string_view::npos);
    }
}

TEST(Async, WorkerLimitIsChecked) {
    const auto e = expect_throw<sts::InvalidArgument>([] { sts::set_async_workers(0); });
    EXPECT_EQ(e.code(), STS_INVALID_ARGUMENT);
    EXPECT_EQ(e.message(), "workers: 0 is out of range 1..=1024");
    EXPECT_THROW(sts::set_async_workers(1025), sts::InvalidArgument);
    EXPECT_NO_THROW(sts::set_async_workers(64));
}

// ---- throw_error and the other exception types ---------------------------------------------

TEST(ThrowError, InternalError) {
    const auto e = expect_throw<sts::InternalError>([] {
        sts::throw_error(STS_INTERNAL, R"({"error":{"code":"Client.Internal","message":"a caught panic","requestId":null}})");
    });
    EXPECT_EQ(e.code(), STS_INTERNAL);
    EXPECT_EQ(e.error_code(), "Client.Internal");
    EXPECT_EQ(e.message(), "a caught panic");
    EXPECT_EQ(e.request_id(), "");
}

TEST(ThrowError, EachCodeHasItsType) {
    const char *json = R"({"error":{"code":"X.Y","message":"m","requestId":"r-1"}})";
    EXPECT_EQ(expect_throw<sts::InvalidArgument>([&] { sts::throw_error(STS_INVALID_ARGUMENT, json); }).code(), STS_INVALID_ARGUMENT);
    EXPECT_EQ(expect_throw<sts::NetworkError>([&] { sts::throw_error(STS_NETWORK, json); }).code(), STS_NETWORK);
    EXPECT_EQ(expect_throw<sts::ServiceError>([&] { sts::throw_error(STS_SERVICE, json); }).request_id(), "r-1");
    EXPECT_EQ(expect_throw<sts::BadResponse>([&] { sts::throw_error(STS_BAD_RESPONSE, json); }).error_code(), "X.Y");
    // A code from a newer library (6 is the next free number): the base type, the number kept.
    const auto e = expect_throw<sts::Error>([&] { sts::throw_error(static_cast<StsCode>(6), json); });
    EXPECT_EQ(static_cast<int>(e.code()), 6);
    EXPECT_EQ(e.message(), "m");
}

TEST(ThrowError, UnreadableJsonIsAnInternalErrorQuotingIt) {
    const auto e = expect_throw<sts::InternalError>([] { sts::throw_error(STS_NETWORK, "not json"); });
    EXPECT_EQ(e.error_code(), "Client.Internal");
    EXPECT_EQ(e.message(), "unreadable error JSON for StsCode 2: not json");
}

TEST(ThrowError, CaughtAsStdException) {
    try {
        (void)sts::get_policy("{");
        FAIL() << "did not throw";
    } catch (const std::runtime_error &e) {
        EXPECT_EQ(std::string(e.what()).rfind("Client.InvalidArgument: ", 0), 0u) << e.what();
    }
}

TEST(ThrowError, CopiesShareTheFields) {
    const sts::ServiceError original("C", "message", "rid");
    const sts::Error copy = original; // sliced on purpose: the fields live in the base
    EXPECT_EQ(&copy.message(), &original.message());
    EXPECT_EQ(copy.code(), STS_SERVICE);
    EXPECT_STREQ(copy.what(), "C: message (request id rid)");
}

// ---- the error JSON reader ----------------------------------------------------------------

struct Fields {
    bool ok;
    std::string code, message, request_id;
};

Fields read(std::string_view json) {
    Fields f{};
    f.ok = sts::detail::ErrorJsonReader(json).read(f.code, f.message, f.request_id);
    return f;
}

TEST(ErrorJson, PlainShape) {
    const Fields f = read(R"({"error":{"code":"Client.Network","message":"refused","requestId":null}})");
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.code, "Client.Network");
    EXPECT_EQ(f.message, "refused");
    EXPECT_EQ(f.request_id, "");
}

TEST(ErrorJson, AnyOrderWhitespaceAndUnknownMembers) {
    const Fields f = read(" {\n\"extra\": [1, -2.5e3, true, false, null, {\"a\": [\"]\"]}],\n\"error\" : { \"requestId\" : \"r\\\"1\","
                          " \"retryable\": false, \"message\": \"m\", \"nested\": {\"x\": {}}, \"code\": \"c\" } }\t");
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.code, "c");
    EXPECT_EQ(f.message, "m");
    EXPECT_EQ(f.request_id, "r\"1");
}

TEST(ErrorJson, Escapes) {
    const Fields f = read(R"({"error":{"code":"c","message":"q\" b\\ s\/ \b\f\n\r\t \u00e9 \u4e2d \ud83d\ude00 \ud800x","requestId":null}})");
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.message, "q\" b\\ s/ \b\f\n\r\t \xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80 \xEF\xBF\xBDx");
}

TEST(ErrorJson, RawUtf8PassesThrough) {
    const Fields f = read("{\"error\":{\"code\":\"c\",\"message\":\"\xE4\xB8\xAD\xE6\x96\x87\",\"requestId\":null}}");
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.message, "\xE4\xB8\xAD\xE6\x96\x87");
}

TEST(ErrorJson, RefusesWhatIsNotTheShape) {
    const std::vector<std::string> bad = {
        "",
        "null",
        R"({"error":{"message":"no code","requestId":null}})",
        R"({"error":{"code":"c","requestId":null}})",
        R"({"error":"not an object"})",
        R"({"error":{"code":1,"message":"m"}})",
        R"({"error":{"code":"c","message":"m","requestId":7}})",
        R"({"error":{"code":"c","message":"m"}} trailing)",
        R"({"error":{"code":"c","message":"unterminated}})",
        "{\"error\":{\"code\":\"c\",\"message\":\"raw\ncontrol\"}}",
        R"({"error":{"code":"c","message":"bad \x escape"}})",
        R"({"error":{"code":"c","message":"short \u12"}})",
        R"({"error":{"code":"c","message":"m",}})",
        R"({"error":{"code":"c","message":"m"})",
        R"({"other":1})",
        std::string(R"({"error":{"code":"c","message":"m"},"x":)") + std::string(100, '[') + std::string(100, ']') + "}",
    };
    for (const std::string &json : bad) EXPECT_FALSE(read(json).ok) << json;
}

TEST(ErrorJson, DuplicateFieldsKeepTheLast) {
    const Fields f = read(R"({"error":{"code":"first","code":"second","message":"m","requestId":"a","requestId":null}})");
    EXPECT_TRUE(f.ok);
    EXPECT_EQ(f.code, "second");
    EXPECT_EQ(f.request_id, "");
}

// ---- ownership (the ASan build turns any slip here into a failure) ------------------------

TEST(Json, MoveLeavesTheSourceEmpty) {
    sts::Json a = sts::get_policy(kScopes);
    sts::Json b = std::move(a);
    EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    EXPECT_EQ(a.view(), "");
    EXPECT_STREQ(a.c_str(), "");
    EXPECT_EQ(b.view(), kPolicy);
    sts::Json c = sts::get_policy("[]");
    c = std::move(b); // frees c's old string
    EXPECT_EQ(c.view(), kPolicy);
    EXPECT_TRUE(b.empty()); // NOLINT(bugprone-use-after-move)
}

TEST(Json, ReleaseHandsOverOwnership) {
    sts::Json json = sts::get_policy(kScopes);
    char *raw = json.release();
    EXPECT_TRUE(json.empty());
    ASSERT_NE(raw, nullptr);
    EXPECT_STREQ(raw, kPolicy);
    sts_string_free(raw);
    const sts::Json adopted(nullptr);
    EXPECT_EQ(adopted.view(), "");
}

TEST(Json, ConvertsToStdStringAndStreams) {
    const sts::Json json = sts::get_policy(kScopes);
    const std::string copy = json;
    const std::string_view view = json;
    std::ostringstream out;
    out << json;
    EXPECT_EQ(copy, kPolicy);
    EXPECT_EQ(view.data(), json.c_str()) << "a view, not a copy";
    EXPECT_EQ(out.str(), kPolicy);
    EXPECT_EQ(json.str(), kPolicy);
}

TEST(Json, ManyResultsAndErrorsLeakNothing) {
    // Each failed call owns its error JSON until the exception is built; LSan reports any loss.
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(sts::get_policy(kScopes).size(), std::strlen(kPolicy));
        EXPECT_THROW((void)sts::get_policy("[{}]"), sts::InvalidArgument);
        EXPECT_THROW((void)sts::check_config("{"), sts::InvalidArgument);
    }
}

} // namespace
