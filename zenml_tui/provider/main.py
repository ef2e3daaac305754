"""Run the provider as a Terraform plugin (go-plugin over gRPC, protocol 6)."""

from __future__ import annotations

from typing import Any


def main() -> None:
    import tf.provider as tf_provider
    from tf.gen import tfplugin_pb2 as pb
    from tf.types import Unknown
    from tf.utils import read_dynamic_value

    from zenml_tui.provider.provider import ZenMLProvider
    from zenml_tui.provider.serve import serve

    provider = ZenMLProvider()
    replace_rules = {
        f"{provider.get_model_prefix()}{klass.get_name()}": rules
        for klass in provider.get_resources()
        if (rules := getattr(klass, "replace_on_key_change", None))
    }

    def key_path(attr: str, key: str) -> Any:
        return pb.AttributePath(
            steps=[
                pb.AttributePath.Step(attribute_name=attr),
                pb.AttributePath.Step(element_key_string=key),
            ]
        )

    class ZenMLServicer(tf_provider.ProviderServicer):
        """Adds replace rules on map keys, which `tf` has no way to express (a stack whose
        orchestrator or artifact store changes is replaced), and a StopProvider that
        asks the resources to stop starting long work instead of ending the process."""

        def StopProvider(self, request: Any, context: Any) -> Any:
            provider.stopping.set()
            return pb.StopProvider.Response()

        def PlanResourceChange(self, request: Any, context: Any) -> Any:
            resp = super().PlanResourceChange(request, context)
            rules = replace_rules.get(request.type_name)
            if not rules:
                return resp
            prior = read_dynamic_value(request.prior_state)
            proposed = read_dynamic_value(request.proposed_new_state)
            if not isinstance(prior, dict) or not isinstance(proposed, dict):
                return resp
            for attr, keys in rules.items():
                before, after = prior.get(attr), proposed.get(attr)
                for key in keys:
                    old = before.get(key) if isinstance(before, dict) else None
                    new = after.get(key) if isinstance(after, dict) else Unknown
                    if old != new:
                        resp.requires_replace.append(key_path(attr, key))
            return resp

    serve(provider, ZenMLServicer(provider))


if __name__ == "__main__":  # pragma: no cover
    main()
