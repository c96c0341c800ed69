using Intelligence.Inference;
using Intelligence.Subnets.Diagnosis;
using Intelligence.Subnets.Digits;

namespace Intelligence.Subnets.Tests;

public sealed class SubnetModelTests
{
    [Fact]
    public void Answer_NamesOutputsAsTheSchemaSaysWhateverTheModelCallsThem()
    {
        var subnet = new DiagnosisSubnet();
        using var model = SubnetModel.Load(subnet.TrainReferenceModel(seed: 2), subnet.Schema);
        var q = subnet.CreateQueryBatch(new Random(1));

        var outputs = model.Answer(q.Inputs);

        var only = Assert.Single(outputs);
        Assert.Equal(DiagnosisSubnet.MalignancyOutput, only.Name);
        Assert.Equal([q.BatchSize, 1L], only.Shape.ToArray());
        Assert.All(only.ToFloats(), p => Assert.InRange(p, 0f, 1f));
    }

    [Fact]
    public void Answer_InputOfTheWrongWidth_IsATypedInferenceError()
    {
        var diagnosis = new DiagnosisSubnet();
        using var model = SubnetModel.Load(diagnosis.TrainReferenceModel(seed: 2), diagnosis.Schema);
        var digitsQuery = new DigitsSubnet().CreateQueryBatch(new Random(1)); // 64 features, not 30

        Assert.Throws<InputMismatchException>(() => model.Answer(digitsQuery.Inputs));
    }

    [Fact]
    public void Load_SchemaWithMoreOutputsThanTheModel_ThrowsMalformed()
    {
        var diagnosis = new DiagnosisSubnet();
        var spec = diagnosis.Schema.Outputs[0];
        var twoOutputs = diagnosis.Schema with { Outputs = [spec, spec with { Name = "extra" }] };

        Assert.Throws<MalformedTensorException>(() => SubnetModel.Load(diagnosis.TrainReferenceModel(seed: 2), twoOutputs));
    }
}
