import com.tencent.cloud.CosStsClient;
import com.tencent.cloud.Response;
import com.tencent.cloud.Scope;
import com.tencent.cloud.StsInvalidArgumentException;
import com.tencent.cloud.UploadResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A user's program against dist/java (make test-dist-java): one getPolicy, one credential call and
 * one upload credential against the emulator at args[0]; args[1] is the version the package must
 * report. Exits non-zero, saying why, on the first thing that is not as it should be.
 */
public class UserTest {
    static void check(boolean ok, String what) {
        if (!ok) {
            System.err.println("test-dist-java: " + what);
            System.exit(1);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String version = args[1];
        check(version.equals(CosStsClient.libraryVersion()), "libraryVersion() " + CosStsClient.libraryVersion() + " != " + version);

        String policy = CosStsClient.getPolicy(List.of(
                new Scope("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "uploads/*")));
        check(policy.contains("\"resource\":[\"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/uploads/*\"]"), "policy " + policy);

        TreeMap<String, Object> config = new TreeMap<>();
        config.put("secretId", "AKIDEMULATOREXAMPLE0000000000000000");
        config.put("secretKey", "emulator-secret-key-EXAMPLE");
        config.put("url", url);
        config.put("durationSeconds", 1800);
        config.put("region", "ap-guangzhou");
        config.put("policy", policy);
        Response r = CosStsClient.getCredential(config);
        check(r.credentials.tmpSecretId != null && r.credentials.tmpSecretId.startsWith("AKID"), "tmpSecretId");
        check(r.expiredTime == r.startTime + 1800, "expiredTime " + r.expiredTime + " startTime " + r.startTime);

        config.remove("policy");
        config.put("bucket", "example-1250000000");
        config.put("upload", Map.of("filename", "a.JPG", "allowExt", List.of("jpg")));
        UploadResponse u = CosStsClient.getUploadCredential(config);
        check(u.key.matches("file/\\d{8}/\\d{8}_[0-9a-f]{16}\\.jpg"), "upload key " + u.key);

        config.put("upload", Map.of("ext", "exe", "allowExt", List.of("jpg")));
        try {
            CosStsClient.getUploadCredential(config);
            check(false, "an .exe upload was accepted");
        } catch (StsInvalidArgumentException e) {
            check(e.getMessage().startsWith("upload.ext: "), "refusal " + e.getMessage());
        }
        System.out.println("test-dist-java: 3 passed, 0 failed");
    }
}
