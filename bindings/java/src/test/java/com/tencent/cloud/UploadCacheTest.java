package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tencent.cloud.cos.util.Jackson;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * getUploadCredential and the config's {@code cache}, against emulators of their own whose request
 * logs (one line a request) show what was sent. Every rule is the core's; these tests check that
 * the binding passes the config through and reads the answer.
 */
public class UploadCacheTest {
    private static final String KEY_PATTERN = "file/\\d{8}/\\d{8}_[0-9a-f]{16}\\.jpg";

    private static int requests(String emulator) {
        String log = CoreReference.read(Paths.get(System.getProperty("sts.emulator." + emulator + ".log")));
        return log.split(" -> ", -1).length - 1;
    }

    private static TreeMap<String, Object> uploadConfig(Map<String, Object> upload) {
        TreeMap<String, Object> c = new TreeMap<>();
        c.put("secretId", TestEnv.SECRET_ID);
        c.put("secretKey", TestEnv.SECRET_KEY);
        c.put("bucket", TestEnv.BUCKET);
        c.put("region", TestEnv.REGION);
        c.put("durationSeconds", 900);
        c.put("url", TestEnv.url("upload"));
        c.put("upload", upload);
        return c;
    }

    @Test
    public void uploadCredentialForOneServerChosenKey() throws Exception {
        Map<String, Object> upload = new LinkedHashMap<>();
        upload.put("filename", "Holiday Photo.JPG");
        upload.put("allowExt", List.of("jpg", ".png"));
        upload.put("contentType", "image/*");
        upload.put("maxBytes", 5 * 1024 * 1024);
        int before = requests("upload");
        UploadResponse r = CosStsClient.getUploadCredential(uploadConfig(upload));
        assertEquals(before + 1, requests("upload"), "one request");
        assertTrue(r.key.matches(KEY_PATTERN), r.key);
        assertEquals(TestEnv.BUCKET, r.bucket);
        assertEquals(TestEnv.REGION, r.region);
        assertTrue(r.credentials.tmpSecretId.startsWith("AKID"));
        assertFalse(r.credentials.tmpSecretKey.isEmpty());
        assertEquals(r.startTime + 900, r.expiredTime);
        assertTrue(r.toString().contains("Key:" + r.key), r.toString());
        assertFalse(r.toString().contains(r.credentials.tmpSecretKey), "toString shows no secret");

        // What a client gets: the vendor demo's fields, bucket, region and key included.
        Map<String, Object> json = TestJson.object(Jackson.toJsonString(r));
        assertEquals(r.key, json.get("key"));
        assertEquals(r.bucket, json.get("bucket"));
        assertEquals(r.credentials.sessionToken, TestJson.asObject(json.get("credentials")).get("sessionToken"));
    }

    @Test
    public void everyCallGetsAKeyOfItsOwn() throws Exception {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            keys.add(CosStsClient.getUploadCredential(uploadConfig(Map.of("ext", "jpg"))).key);
        }
        assertEquals(50, keys.size(), "no key repeats");
    }

    /** The policy libsts builds for the key: exactly one resource, with the conditions asked for. */
    @Test
    public void thePolicyGrantsTheOneKeyWithTheConditions() {
        Map<String, Object> upload = new LinkedHashMap<>();
        upload.put("ext", ".JPG");
        upload.put("contentType", "image/*");
        upload.put("maxBytes", 1024);
        Map<String, Object> checked = TestJson.object(CosStsClient.checkConfig(uploadConfig(upload)));
        Object p = checked.get("policy");
        Map<String, Object> policy = p instanceof String ? TestJson.object((String) p) : TestJson.asObject(p);
        List<?> statements = (List<?>) policy.get("statement");
        assertEquals(1, statements.size());
        Map<String, Object> st = TestJson.asObject(statements.get(0));
        assertEquals(List.of("name/cos:PutObject", "name/cos:PostObject"), st.get("action"));
        List<?> resources = (List<?>) st.get("resource");
        assertEquals(1, resources.size(), resources.toString());
        assertEquals("qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/file/{date}/{date}_{random}.jpg",
                resources.get(0));
        assertEquals(Map.of("string_like_if_exist", Map.of("cos:content-type", "image/*"),
                "numeric_less_than_equal", Map.of("cos:content-length", 1024L)), st.get("condition"));
    }

    @Test
    public void refusedExtensionsAndTemplatesNameTheFieldAndSendNothing() {
        int before = requests("upload");
        String[][] cases = {
            {"ext", "exe", "upload.ext: "},
            {"ext", ".*", "upload.ext: "},
            {"filename", "../../x", "upload.ext: "},
            {"keyTemplate", "file/{date}{ext}", "upload.key_template: "},
            {"keyTemplate", "file/../{random}{ext}", "upload.key_template: "},
        };
        for (String[] c : cases) {
            Map<String, Object> upload = new LinkedHashMap<>();
            upload.put("allowExt", List.of("jpg"));
            if (!c[0].equals("ext") && !c[0].equals("filename")) {
                upload.put("ext", "jpg");
            }
            upload.put(c[0], c[1]);
            StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class,
                    () -> CosStsClient.getUploadCredential(uploadConfig(upload)), c[0] + "=" + c[1]);
            assertTrue(e.getMessage().startsWith(c[2]) || e.getMessage().startsWith(c[2].replace("key_template", "keyTemplate")),
                    c[1] + ": " + e.getMessage());
            assertEquals(StsInvalidArgumentException.CODE, e.getCode());
        }
        assertEquals(before, requests("upload"), "nothing was sent");
    }

    @Test
    public void uploadCredentialAsync() throws Exception {
        UploadResponse r = CosStsClient.getUploadCredentialAsync(uploadConfig(Map.of("filename", "a.png")))
                .get(10, TimeUnit.SECONDS);
        assertTrue(r.key.matches("file/\\d{8}/\\d{8}_[0-9a-f]{16}\\.png"), r.key);
        Throwable t = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> CosStsClient.getUploadCredentialAsync(uploadConfig(Map.of("ext", "a/b"))).get(10, TimeUnit.SECONDS))
                .getCause();
        assertTrue(t instanceof StsInvalidArgumentException && t.getMessage().startsWith("upload.ext: "), String.valueOf(t));
    }

    private static TreeMap<String, Object> cached(Object cache, int duration) {
        TreeMap<String, Object> c = TestEnv.config("cache");
        c.put("durationSeconds", duration);
        c.put("cache", cache);
        return c;
    }

    @Test
    public void cacheHitsSendNoRequestAndClearCacheEmptiesIt() throws Exception {
        CosStsClient.clearCache();
        int before = requests("cache");
        Response first = CosStsClient.getCredential(cached(true, 1800));
        Response second = CosStsClient.getCredential(cached(true, 1800));
        assertEquals(before + 1, requests("cache"), "the second call is a hit");
        assertEquals(first.credentials.tmpSecretId, second.credentials.tmpSecretId);
        assertEquals(first.credentials.sessionToken, second.credentials.sessionToken);
        assertEquals(first.expiredTime, second.expiredTime);

        // A different duration or policy misses.
        CosStsClient.getCredential(cached(true, 1700));
        assertEquals(before + 2, requests("cache"), "another duration");
        TreeMap<String, Object> otherPolicy = cached(true, 1800);
        otherPolicy.put("allowPrefixes", new String[] {"elsewhere/*"});
        CosStsClient.getCredential(otherPolicy);
        assertEquals(before + 3, requests("cache"), "another policy");

        // Without cache, every call asks.
        CosStsClient.getCredential(cached(false, 1800));
        assertEquals(before + 4, requests("cache"), "cache false");

        CosStsClient.clearCache();
        Response third = CosStsClient.getCredential(cached(true, 1800));
        assertEquals(before + 5, requests("cache"), "after clearCache");
        assertNotEquals(first.credentials.sessionToken, third.credentials.sessionToken);
    }

    @Test
    public void concurrentIdenticalCallsSendOneRequest() throws Exception {
        CosStsClient.clearCache();
        TreeMap<String, Object> c = cached(true, 1600);
        int before = requests("cache");
        List<java.util.concurrent.CompletableFuture<Response>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) {
            futures.add(CosStsClient.getCredentialAsync(c));
        }
        Set<String> tokens = new HashSet<>();
        for (java.util.concurrent.CompletableFuture<Response> f : futures) {
            tokens.add(f.get(10, TimeUnit.SECONDS).credentials.sessionToken);
        }
        assertEquals(before + 1, requests("cache"), "32 identical calls at once");
        assertEquals(1, tokens.size(), "every caller got the one answer");
    }

    @Test
    public void aKeyWithTooLittleTimeLeftIsNeverHandedOut() throws Exception {
        CosStsClient.clearCache();
        Map<String, Object> options = Map.of("minRemainingSeconds", 1799, "maxEntries", 8);
        int before = requests("cache");
        CosStsClient.getCredential(cached(options, 1800));
        // Let more than one second pass: the cached key then has less than 1799 s left.
        Thread.sleep(2100);
        CosStsClient.getCredential(cached(options, 1800));
        assertEquals(before + 2, requests("cache"), "the cached key had less than minRemainingSeconds left");
    }

    @Test
    public void badCacheOptionsAreTheCoresErrors() {
        StsInvalidArgumentException e = assertThrows(StsInvalidArgumentException.class,
                () -> CosStsClient.getCredential(cached(Map.of("maxEntrys", 8), 1800)));
        assertTrue(e.getMessage().startsWith("cache.maxEntrys: unknown key"), e.getMessage());
        e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getCredential(cached("yes", 1800)));
        assertTrue(e.getMessage().startsWith("cache: "), e.getMessage());
        // Upload credentials are never cached: the core refuses the combination.
        TreeMap<String, Object> upload = uploadConfig(Map.of("ext", "jpg"));
        upload.put("cache", true);
        e = assertThrows(StsInvalidArgumentException.class, () -> CosStsClient.getUploadCredential(upload));
        assertTrue(e.getMessage().startsWith("cache: not for upload credentials"), e.getMessage());
    }
}
