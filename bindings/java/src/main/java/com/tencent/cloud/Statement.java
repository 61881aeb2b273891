package com.tencent.cloud;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One statement of a {@link Policy}, as the vendor SDK's {@code Statement}: an effect, actions,
 * resources ({@code qcs::cos:<region>:uid/<appid>:<bucket>/<key>}) and conditions by operator.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Statement {
    public String effect;
    public List<String> action = new ArrayList<>();
    public List<String> resource = new ArrayList<>();
    /** Operator ({@code ip_equal}, {@code string_like_if_exist}, ...) to its key and values; null when none. */
    public Map<String, ConditionTypeValue> condition;

    /** {@code allow} or {@code deny}. */
    public void setEffect(String effect) {
        this.effect = effect;
    }

    public void addAction(String action) {
        this.action.add(action);
    }

    public void addActions(String[] actions) {
        Collections.addAll(this.action, actions);
    }

    public void addResource(String resource) {
        this.resource.add(resource);
    }

    public void addResources(String[] resources) {
        Collections.addAll(this.resource, resources);
    }

    /**
     * Adds the condition {@code {type: {key: values}}}, e.g. {@code ip_equal} with a
     * {@link ConditionTypeValue} for {@code qcs:ip}. Operators keep the order they were added in; a
     * second value for the same operator replaces the first, as in the vendor SDK.
     */
    public void addCondition(String type, ConditionTypeValue value) {
        if (condition == null) {
            condition = new LinkedHashMap<>();
        }
        condition.put(type, value);
    }
}
