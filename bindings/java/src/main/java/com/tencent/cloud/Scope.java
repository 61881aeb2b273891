package com.tencent.cloud;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One permission a client asks for: the vendor SDK's {@code Scope}, turned into a policy statement by
 * {@link CosStsClient#getPolicy(List)}.
 *
 * <p>Same constructor and setters as the vendor SDK. Unlike the vendor SDK, a condition set with
 * {@link #setCondition(String)} or {@link #setCondition(Map)} is part of the generated policy.
 * Not thread-safe while being modified; build one per request.
 */
public class Scope {
    private static final String ALLOW = "allow";
    private static final String DENY = "deny";

    private String action;
    private String bucket;
    private String region;
    private String sourcePrefix;
    private String effect = ALLOW;
    private Object condition;
    private String service;

    /**
     * @param action       e.g. {@code name/cos:PutObject}
     * @param bucket       {@code name-appid}, e.g. {@code example-1250000000}
     * @param region       e.g. {@code ap-guangzhou}
     * @param sourcePrefix object key or prefix, e.g. {@code dir/1.txt} or {@code dir/*}; a leading
     *                     {@code /} is optional
     */
    public Scope(String action, String bucket, String region, String sourcePrefix) {
        this.action = action;
        this.bucket = bucket;
        this.region = region;
        this.sourcePrefix = sourcePrefix;
    }

    public void setBucket(String bucket) {
        this.bucket = bucket;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public void setAction(String action) {
        this.action = action;
    }

    public void setResourcePrefix(String sourcePrefix) {
        this.sourcePrefix = sourcePrefix;
    }

    /** {@code true}: an {@code allow} statement (the default); {@code false}: {@code deny}. */
    public void isAllow(boolean isAllow) {
        this.effect = isAllow ? ALLOW : DENY;
    }

    /**
     * A CAM condition as a JSON object text, e.g.
     * {@code {"ip_equal":{"qcs:ip":["10.0.0.0/8"]}}}; {@code null} removes it. libsts checks its shape
     * when the policy is built.
     *
     * @throws StsInvalidArgumentException if the text is not JSON at all
     */
    public void setCondition(String condition) {
        if (condition == null) {
            this.condition = null;
            return;
        }
        this.condition = JsonText.parseUserText(condition, "condition");
    }

    /**
     * A CAM condition as a map, e.g. {@code Map.of("ip_equal", Map.of("qcs:ip", List.of("10.0.0.0/8")))};
     * {@code null} removes it. The map is copied; libsts checks its shape when the policy is built.
     */
    public void setCondition(Map<String, ?> condition) {
        this.condition = condition == null ? null : new LinkedHashMap<String, Object>(condition);
    }

    /** {@code cos} (the default) or {@code ci} (Cloud Infinite resources). An addition to the vendor API. */
    public void setService(String service) {
        this.service = service;
    }

    public String getAction() {
        if (this.action == null) {
            throw new NullPointerException("action == null");
        }
        return this.action;
    }

    public String getEffect() {
        return this.effect;
    }

    /** The condition as JSON text, or {@code null}. */
    public String getCondition() {
        return condition == null ? null : JsonText.write(condition, "condition");
    }

    /**
     * The resource string this scope grants, as libsts builds it, e.g.
     * {@code qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*}.
     *
     * @throws IllegalArgumentException if the scope is incomplete or invalid
     */
    public String getResource() {
        String policy = CosStsClient.getPolicy(Collections.singletonList(this));
        JsonNode resource = JsonText.parseAnswer(policy).path("statement").path(0).path("resource").path(0);
        if (resource.isTextual()) {
            return resource.textValue();
        }
        throw new IllegalStateException("libsts returned a policy without a resource");
    }

    /** This scope in the libsts scope format (keys action, bucket, region, prefix, effect, ...). */
    Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (action != null) {
            m.put("action", action);
        }
        if (bucket != null) {
            m.put("bucket", bucket);
        }
        if (region != null) {
            m.put("region", region);
        }
        if (sourcePrefix != null) {
            m.put("prefix", sourcePrefix);
        }
        m.put("effect", effect);
        if (condition != null) {
            m.put("condition", condition);
        }
        if (service != null) {
            m.put("service", service);
        }
        return m;
    }

    @Override
    public String toString() {
        return "Scope" + JsonText.write(toJsonMap(), "scope");
    }
}
