package com.tencent.cloud;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The key and values of one condition operator in a {@link Statement}, as the vendor SDK's
 * {@code ConditionTypeValue}. Unlike the vendor's (deprecated there: CAM has no {@code valueList}
 * keyword), it serialises as CAM reads it: {@code {"qcs:ip": ["192.0.2.0/24", ...]}}.
 */
public class ConditionTypeValue {
    public String key;
    public List<String> valueList = new ArrayList<>();

    /** The condition key, e.g. {@code qcs:ip} or {@code cos:content-type}. */
    public void setKey(String key) {
        this.key = key;
    }

    public void addValue(String value) {
        this.valueList.add(value);
    }

    /** The CAM form, {@code {key: [values]}}. */
    @JsonValue
    public Map<String, List<String>> toCam() {
        return Collections.singletonMap(key, valueList);
    }
}
