package com.tencent.cloud.assumerole;

import com.tencent.cloud.CosStsClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The vendor SDK's parameter object for {@code CosStsClient.getRoleCredential(AssumeRoleParam)}, kept
 * so existing code compiles. New code can pass a map to
 * {@code CosStsClient.getRoleCredential(Map)} instead.
 *
 * <p>Differences: the request is always signed with TC3-HMAC-SHA256 ({@code signatureMethod} is
 * accepted and ignored); an unset {@code host} means libsts's default endpoint
 * ({@code sts.tencentcloudapi.com}), where the vendor defaulted to {@code sts.internal.tencentcloudapi.com};
 * {@code toString()} never shows the secret key.
 */
public class AssumeRoleParam {
    private String secretId = "";
    private String secretKey = "";
    private int durationSec = 0;
    private String region = "";
    private String host = "";
    private String roleArn = "";
    private String roleSessionName = "";
    private String signatureMethod = "";
    private String[] resources = new String[] {};
    private String[] actions = new String[] {};
    private String policy = "";
    private String url = "";

    /**
     * Reads the vendor's property names: {@code SecretId}, {@code SecretKey}, {@code region},
     * {@code SignatureMethod}, {@code durationSeconds}, {@code RoleArn}, {@code RoleSessionName},
     * {@code host}, {@code policy}, or {@code policy.actions} + {@code policy.resources}
     * (comma-separated).
     */
    public void Parse(Properties properties) {
        if (properties == null) {
            throw new NullPointerException("null properties");
        }
        secretId = properties.getProperty("SecretId", "");
        secretKey = properties.getProperty("SecretKey", "");
        region = properties.getProperty("region", "");
        signatureMethod = properties.getProperty("SignatureMethod", "HmacSHA1");
        String d = properties.getProperty("durationSeconds", "").trim();
        try {
            durationSec = d.isEmpty() ? 0 : Integer.parseInt(d);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("durationSeconds is not an integer");
        }
        roleArn = properties.getProperty("RoleArn", "");
        roleSessionName = properties.getProperty("RoleSessionName", "");
        host = properties.getProperty("host", "");
        String p = properties.getProperty("policy", "");
        if (p.isEmpty()) {
            String a = properties.getProperty("policy.actions", "");
            String r = properties.getProperty("policy.resources", "");
            if (!a.isEmpty() || !r.isEmpty()) {
                actions = a.isEmpty() ? new String[] {} : a.split(",");
                resources = r.isEmpty() ? new String[] {} : r.split(",");
                policy = buildPolicy(actions, resources);
            }
        } else {
            policy = p;
        }
    }

    /**
     * Checks the parameters without any network access, as the vendor's {@code check()} did before
     * a call: with libsts's own rules ({@link CosStsClient#checkConfig(Map)}), so it refuses exactly
     * what {@code getRoleCredential(this)} would. Unlike the vendor SDK, an empty {@code region} or
     * {@code roleSessionName} is not an error (libsts has defaults for both).
     *
     * @throws com.tencent.cloud.StsInvalidArgumentException libsts's error, naming the field
     */
    public void check() {
        CosStsClient.checkConfig(toConfig());
    }

    /**
     * These parameters as the config map of {@link CosStsClient#getRoleCredential(Map)} (vendor
     * keys; unset parameters left out, so libsts's defaults apply). {@code roleArn} is always there,
     * even empty, since it is what makes the config an AssumeRole config.
     */
    public Map<String, Object> toConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        putIfSet(config, "secretId", secretId);
        putIfSet(config, "secretKey", secretKey);
        putIfSet(config, "region", region);
        putIfSet(config, "host", host);
        putIfSet(config, "url", url);
        config.put("roleArn", roleArn == null ? "" : roleArn);
        putIfSet(config, "roleSessionName", roleSessionName);
        putIfSet(config, "policy", policy);
        if (durationSec > 0) {
            config.put("durationSeconds", durationSec);
        }
        return config;
    }

    private static void putIfSet(Map<String, Object> config, String key, String value) {
        if (value != null && !value.isEmpty()) {
            config.put(key, value);
        }
    }

    private static String buildPolicy(String[] actions, String[] resources) {
        StringBuilder sb = new StringBuilder("{\"version\":\"2.0\",\"statement\":[{\"effect\":\"allow\",\"action\":");
        appendArray(sb, actions);
        sb.append(",\"resource\":");
        appendArray(sb, resources);
        sb.append("}]}");
        return sb.toString();
    }

    private static void appendArray(StringBuilder sb, String[] items) {
        sb.append('[');
        for (int i = 0; i < items.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"');
            for (char c : items[i].trim().toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        }
        sb.append(']');
    }

    public String getSecretId() { return secretId; }
    public void setSecretId(String secretId) { this.secretId = secretId; }
    public String getSecretKey() { return secretKey; }
    public void setSecretKey(String secretKey) { this.secretKey = secretKey; }
    public int getDurationSec() { return durationSec; }
    public void setDurationSec(int durationSec) { this.durationSec = durationSec; }
    public String getRegion() { return region; }
    public void setRegion(String region) { this.region = region; }
    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public String getRoleArn() { return roleArn; }
    public void setRoleArn(String roleArn) { this.roleArn = roleArn; }
    public String getRoleSessionName() { return roleSessionName; }
    public void setRoleSessionName(String roleSessionName) { this.roleSessionName = roleSessionName; }
    public String getSignatureMethod() { return signatureMethod; }
    public void setSignatureMethod(String signatureMethod) { this.signatureMethod = signatureMethod; }
    public String[] getResources() { return resources; }
    public void setResources(String[] resources) { this.resources = resources; }
    public String[] getActions() { return actions; }
    public void setActions(String[] actions) { this.actions = actions; }
    public String getPolicy() { return policy; }
    public void setPolicy(String policy) { this.policy = policy; }

    /**
     * An addition to the vendor API: where to connect when it differs from {@code https://<host>/}
     * (libsts's {@code url}: a proxy by IP, or {@code http://127.0.0.1:PORT/} for the emulator).
     */
    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }

    @Override
    public String toString() {
        return "AssumeRoleParam{secretId=" + secretId + ", secretKey=<redacted>, region=" + region
                + ", host=" + host + ", roleArn=" + roleArn + ", roleSessionName=" + roleSessionName
                + ", durationSec=" + durationSec + "}";
    }
}
