package com.tencent.cloud;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * A CAM policy built by hand, as the vendor SDK's {@code Policy}: serialise it with
 * {@link com.tencent.cloud.cos.util.Jackson#toJsonString(Object)} (or any JSON library) and pass the
 * text as the config's {@code policy}; libsts checks it before sending. For policies from scopes,
 * {@link CosStsClient#getPolicy(java.util.List)} is shorter and checks each field as it builds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Policy {
    public String version = "2.0";
    public List<Statement> statement = new ArrayList<>();
    /** Only for role trust policies; left out of the JSON when null. */
    public Principal principal;

    public void setVersion(String version) {
        this.version = version;
    }

    public void addStatement(Statement statement) {
        this.statement.add(statement);
    }

    public void setPrincipal(Principal principal) {
        this.principal = principal;
    }
}
