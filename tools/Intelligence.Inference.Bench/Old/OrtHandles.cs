using Microsoft.Win32.SafeHandles;

namespace Intelligence.Inference.Bench.Old;

/// <summary>
/// Base of every owned Ort object: released exactly once through its OrtApi Release function, and
/// counted so tests and diagnostics can see that nothing leaks.
/// </summary>
internal abstract unsafe class OrtHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private static long s_live;

    protected OrtHandle(nint handle)
        : base(ownsHandle: true)
    {
        SetHandle(handle);
        if (handle != 0)
        {
            Interlocked.Increment(ref s_live);
        }
    }

    /// <summary>Number of Ort objects created by this process and not yet released.</summary>
    public static long Live => Interlocked.Read(ref s_live);

    protected sealed override bool ReleaseHandle()
    {
        Release(OrtNative.Api, handle);
        Interlocked.Decrement(ref s_live);
        return true;
    }

    protected abstract void Release(OrtApi* api, nint value);
}

internal sealed unsafe class OrtEnvHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseEnv(value);
}

internal sealed unsafe class OrtSessionOptionsHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseSessionOptions(value);
}

internal sealed unsafe class OrtSessionHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseSession(value);
}

internal sealed unsafe class OrtMemoryInfoHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseMemoryInfo(value);
}

internal sealed unsafe class OrtValueHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseValue(value);
}

internal sealed unsafe class OrtRunOptionsHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseRunOptions(value);
}

internal sealed unsafe class OrtTypeInfoHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseTypeInfo(value);
}

internal sealed unsafe class OrtTensorTypeAndShapeInfoHandle(nint h) : OrtHandle(h)
{
    protected override void Release(OrtApi* api, nint value) => api->ReleaseTensorTypeAndShapeInfo(value);
}
