package com.tencent.cloud;

import java.util.ArrayList;
import java.util.List;

/** The principal of a role trust {@link Policy}, as the vendor SDK's {@code Principal}. */
public class Principal {
    public List<String> qcs = new ArrayList<>();

    /** Adds a principal, e.g. {@code qcs::cam::uin/100000000001:root}. */
    public void addQCSString(String qcs) {
        this.qcs.add(qcs);
    }
}
