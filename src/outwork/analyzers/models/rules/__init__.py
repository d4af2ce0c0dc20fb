"""The MDL rules: one class per rule, documentation in the docstring."""

from __future__ import annotations

from outwork.analyzers.models.rules.formats import (
    ChatTemplateInjection,
    HubRemoteCode,
    KerasLambdaCode,
    KerasUnsafeObject,
    ModelContainerAnomaly,
    ModelFileMalformed,
    NumpyObjectArray,
    OnnxCustomOperator,
    OnnxExternalDataEscape,
    SafetensorsHeaderInvalid,
    SavedModelDangerousOp,
    TorchScriptCode,
)
from outwork.analyzers.models.rules.pickles import (
    PickleDangerousCallable,
    PickleDynamicOperation,
    PickleMalformed,
    PickleUnlistedGlobal,
)

RULES = (
    PickleDangerousCallable,
    PickleUnlistedGlobal,
    PickleMalformed,
    PickleDynamicOperation,
    ModelContainerAnomaly,
    NumpyObjectArray,
    TorchScriptCode,
    SafetensorsHeaderInvalid,
    ModelFileMalformed,
    ChatTemplateInjection,
    KerasLambdaCode,
    KerasUnsafeObject,
    OnnxExternalDataEscape,
    OnnxCustomOperator,
    SavedModelDangerousOp,
    HubRemoteCode,
)

__all__ = [
    "RULES",
    "ChatTemplateInjection",
    "HubRemoteCode",
    "KerasLambdaCode",
    "KerasUnsafeObject",
    "ModelContainerAnomaly",
    "ModelFileMalformed",
    "NumpyObjectArray",
    "OnnxCustomOperator",
    "OnnxExternalDataEscape",
    "PickleDangerousCallable",
    "PickleDynamicOperation",
    "PickleMalformed",
    "PickleUnlistedGlobal",
    "SafetensorsHeaderInvalid",
    "SavedModelDangerousOp",
    "TorchScriptCode",
]
