// The ONNX Runtime C API function table, declared for the API version this binding requests.
//
// Field order MUST match `struct OrtApi` in onnxruntime_c_api.h (microsoft/onnxruntime,
// include/onnxruntime/core/session/onnxruntime_c_api.h) for ORT_API_VERSION 13 exactly: the struct is
// read in place from the pointer OrtApiBase::GetApi(13) returns. ONNX Runtime only appends to this table,
// so the first 153 slots below keep their positions in every later release (the shipped library is 1.30.0).
// Slots this binding calls are typed function pointers; the rest are placeholders of the same size.
// The index of every slot is given in its comment; every typed slot is exercised by the test suite.
// Fields are filled by ONNX Runtime: the struct is read in place through the pointer GetApi returns.
#pragma warning disable CS0649

namespace Intelligence.Inference.Bench.Old;

/// <summary>OrtApiBase: the entry point returned by OrtGetApiBase.</summary>
internal unsafe struct OrtApiBase
{
    public delegate* unmanaged<uint, OrtApi*> GetApi;
    public delegate* unmanaged<byte*> GetVersionString;
}

/// <summary>The legacy OrtCUDAProviderOptions struct (same header, same version).</summary>
internal unsafe struct OrtCudaProviderOptions
{
    public int DeviceId;
    public int CudnnConvAlgoSearch;
    public nuint GpuMemLimit;
    public int ArenaExtendStrategy;
    public int DoCopyInDefaultStream;
    public int HasUserComputeStream;
    public void* UserComputeStream;
    public nint DefaultMemoryArenaCfg;
}

/// <summary>The OrtApi function table (ORT_API_VERSION 13 layout).</summary>
internal unsafe struct OrtApi
{
    /// <summary>The API version whose table layout this struct declares.</summary>
    public const uint Version = 13;

    public nint CreateStatus; // 0 (not called)
    public delegate* unmanaged<nint, int> GetErrorCode; // 1
    public delegate* unmanaged<nint, byte*> GetErrorMessage; // 2
    public delegate* unmanaged<int, byte*, nint*, nint> CreateEnv; // 3
    public nint CreateEnvWithCustomLogger; // 4 (not called)
    public nint EnableTelemetryEvents; // 5 (not called)
    public nint DisableTelemetryEvents; // 6 (not called)
    public delegate* unmanaged<nint, void*, nint, nint*, nint> CreateSession; // 7
    public delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray; // 8
    public delegate* unmanaged<nint, nint, nint*, nint*, nuint, nint*, nuint, nint*, nint> Run; // 9
    public delegate* unmanaged<nint*, nint> CreateSessionOptions; // 10
    public nint SetOptimizedModelFilePath; // 11 (not called)
    public nint CloneSessionOptions; // 12 (not called)
    public delegate* unmanaged<nint, int, nint> SetSessionExecutionMode; // 13
    public nint EnableProfiling; // 14 (not called)
    public nint DisableProfiling; // 15 (not called)
    public nint EnableMemPattern; // 16 (not called)
    public nint DisableMemPattern; // 17 (not called)
    public nint EnableCpuMemArena; // 18 (not called)
    public nint DisableCpuMemArena; // 19 (not called)
    public nint SetSessionLogId; // 20 (not called)
    public nint SetSessionLogVerbosityLevel; // 21 (not called)
    public nint SetSessionLogSeverityLevel; // 22 (not called)
    public delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel; // 23
    public delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads; // 24
    public delegate* unmanaged<nint, int, nint> SetInterOpNumThreads; // 25
    public nint CreateCustomOpDomain; // 26 (not called)
    public nint CustomOpDomain_Add; // 27 (not called)
    public nint AddCustomOpDomain; // 28 (not called)
    public nint RegisterCustomOpsLibrary; // 29 (not called)
    public delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount; // 30
    public delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount; // 31
    public nint SessionGetOverridableInitializerCount; // 32 (not called)
    public delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo; // 33
    public delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo; // 34
    public nint SessionGetOverridableInitializerTypeInfo; // 35 (not called)
    public delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName; // 36
    public delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName; // 37
    public nint SessionGetOverridableInitializerName; // 38 (not called)
    public delegate* unmanaged<nint*, nint> CreateRunOptions; // 39
    public nint RunOptionsSetRunLogVerbosityLevel; // 40 (not called)
    public nint RunOptionsSetRunLogSeverityLevel; // 41 (not called)
    public nint RunOptionsSetRunTag; // 42 (not called)
    public nint RunOptionsGetRunLogVerbosityLevel; // 43 (not called)
    public nint RunOptionsGetRunLogSeverityLevel; // 44 (not called)
    public nint RunOptionsGetRunTag; // 45 (not called)
    public delegate* unmanaged<nint, nint> RunOptionsSetTerminate; // 46
    public nint RunOptionsUnsetTerminate; // 47 (not called)
    public nint CreateTensorAsOrtValue; // 48 (not called)
    public delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue; // 49
    public nint IsTensor; // 50 (not called)
    public delegate* unmanaged<nint, void**, nint> GetTensorMutableData; // 51
    public nint FillStringTensor; // 52 (not called)
    public nint GetStringTensorDataLength; // 53 (not called)
    public nint GetStringTensorContent; // 54 (not called)
    public delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo; // 55
    public delegate* unmanaged<nint, int*, nint> GetOnnxTypeFromTypeInfo; // 56
    public nint CreateTensorTypeAndShapeInfo; // 57 (not called)
    public nint SetTensorElementType; // 58 (not called)
    public nint SetDimensions; // 59 (not called)
    public delegate* unmanaged<nint, int*, nint> GetTensorElementType; // 60
    public delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount; // 61
    public delegate* unmanaged<nint, long*, nuint, nint> GetDimensions; // 62
    public delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions; // 63
    public nint GetTensorShapeElementCount; // 64 (not called)
    public delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape; // 65
    public nint GetTypeInfo; // 66 (not called)
    public nint GetValueType; // 67 (not called)
    public nint CreateMemoryInfo; // 68 (not called)
    public delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo; // 69
    public nint CompareMemoryInfo; // 70 (not called)
    public nint MemoryInfoGetName; // 71 (not called)
    public nint MemoryInfoGetId; // 72 (not called)
    public nint MemoryInfoGetMemType; // 73 (not called)
    public nint MemoryInfoGetType; // 74 (not called)
    public nint AllocatorAlloc; // 75 (not called)
    public delegate* unmanaged<nint, void*, nint> AllocatorFree; // 76
    public nint AllocatorGetInfo; // 77 (not called)
    public delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions; // 78
    public nint AddFreeDimensionOverride; // 79 (not called)
    public nint GetValue; // 80 (not called)
    public nint GetValueCount; // 81 (not called)
    public nint CreateValue; // 82 (not called)
    public nint CreateOpaqueValue; // 83 (not called)
    public nint GetOpaqueValue; // 84 (not called)
    public nint KernelInfoGetAttribute_float; // 85 (not called)
    public nint KernelInfoGetAttribute_int64; // 86 (not called)
    public nint KernelInfoGetAttribute_string; // 87 (not called)
    public nint KernelContext_GetInputCount; // 88 (not called)
    public nint KernelContext_GetOutputCount; // 89 (not called)
    public nint KernelContext_GetInput; // 90 (not called)
    public nint KernelContext_GetOutput; // 91 (not called)
    public delegate* unmanaged<nint, void> ReleaseEnv; // 92
    public delegate* unmanaged<nint, void> ReleaseStatus; // 93
    public delegate* unmanaged<nint, void> ReleaseMemoryInfo; // 94
    public delegate* unmanaged<nint, void> ReleaseSession; // 95
    public delegate* unmanaged<nint, void> ReleaseValue; // 96
    public delegate* unmanaged<nint, void> ReleaseRunOptions; // 97
    public delegate* unmanaged<nint, void> ReleaseTypeInfo; // 98
    public delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo; // 99
    public delegate* unmanaged<nint, void> ReleaseSessionOptions; // 100
    public nint ReleaseCustomOpDomain; // 101 (not called)
    public nint GetDenotationFromTypeInfo; // 102 (not called)
    public nint CastTypeInfoToMapTypeInfo; // 103 (not called)
    public nint CastTypeInfoToSequenceTypeInfo; // 104 (not called)
    public nint GetMapKeyType; // 105 (not called)
    public nint GetMapValueType; // 106 (not called)
    public nint GetSequenceElementType; // 107 (not called)
    public nint ReleaseMapTypeInfo; // 108 (not called)
    public nint ReleaseSequenceTypeInfo; // 109 (not called)
    public nint SessionEndProfiling; // 110 (not called)
    public nint SessionGetModelMetadata; // 111 (not called)
    public nint ModelMetadataGetProducerName; // 112 (not called)
    public nint ModelMetadataGetGraphName; // 113 (not called)
    public nint ModelMetadataGetDomain; // 114 (not called)
    public nint ModelMetadataGetDescription; // 115 (not called)
    public nint ModelMetadataLookupCustomMetadataMap; // 116 (not called)
    public nint ModelMetadataGetVersion; // 117 (not called)
    public nint ReleaseModelMetadata; // 118 (not called)
    public nint CreateEnvWithGlobalThreadPools; // 119 (not called)
    public nint DisablePerSessionThreads; // 120 (not called)
    public nint CreateThreadingOptions; // 121 (not called)
    public nint ReleaseThreadingOptions; // 122 (not called)
    public nint ModelMetadataGetCustomMetadataMapKeys; // 123 (not called)
    public nint AddFreeDimensionOverrideByName; // 124 (not called)
    public delegate* unmanaged<byte***, int*, nint> GetAvailableProviders; // 125
    public delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders; // 126
    public nint GetStringTensorElementLength; // 127 (not called)
    public nint GetStringTensorElement; // 128 (not called)
    public nint FillStringTensorElement; // 129 (not called)
    public delegate* unmanaged<nint, byte*, byte*, nint> AddSessionConfigEntry; // 130
    public nint CreateAllocator; // 131 (not called)
    public nint ReleaseAllocator; // 132 (not called)
    public nint RunWithBinding; // 133 (not called)
    public nint CreateIoBinding; // 134 (not called)
    public nint ReleaseIoBinding; // 135 (not called)
    public nint BindInput; // 136 (not called)
    public nint BindOutput; // 137 (not called)
    public nint BindOutputToDevice; // 138 (not called)
    public nint GetBoundOutputNames; // 139 (not called)
    public nint GetBoundOutputValues; // 140 (not called)
    public nint ClearBoundInputs; // 141 (not called)
    public nint ClearBoundOutputs; // 142 (not called)
    public nint TensorAt; // 143 (not called)
    public nint CreateAndRegisterAllocator; // 144 (not called)
    public nint SetLanguageProjection; // 145 (not called)
    public nint SessionGetProfilingStartTimeNs; // 146 (not called)
    public nint SetGlobalIntraOpNumThreads; // 147 (not called)
    public nint SetGlobalInterOpNumThreads; // 148 (not called)
    public nint SetGlobalSpinControl; // 149 (not called)
    public nint AddInitializer; // 150 (not called)
    public nint CreateEnvWithCustomLoggerAndGlobalThreadPools; // 151 (not called)
    public delegate* unmanaged<nint, OrtCudaProviderOptions*, nint> SessionOptionsAppendExecutionProvider_CUDA; // 152
}
