package io.ptsafe.pickle.machine;

/** A global the caller declared inert: calling or instantiating it records the arguments as data. */
final class InertMeaning implements Meaning {
    static final InertMeaning INSTANCE = new InertMeaning();

    private InertMeaning() {
    }

    @Override
    public Object call(Call call) {
        return new OpaqueObj(call.global(), call.argsTuple());
    }

    @Override
    public Object instantiate(Call call) {
        return new OpaqueObj(call.global(), call.argsTuple());
    }
}
