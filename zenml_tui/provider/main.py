"""Run the provider as a Terraform plugin (go-plugin over gRPC, protocol 6)."""

from __future__ import annotations

from typing import Any


def main() -> None:
    import tf.provider as tf_provider
    from tf.gen import tfplugin_pb2 as pb
    from tf.types import Unknown
    from tf.utils import read_dynamic_value, to_dynamic_value

    from zenml_tui.provider.base import ZenMLResource
    from zenml_tui.provider.provider import ZenMLProvider
    from zenml_tui.provider.serve import serve

    provider = ZenMLProvider()
    resources = {
        f"{provider.get_model_prefix()}{klass.get_name()}": klass(provider)
        for klass in provider.get_resources()
        if issubclass(klass, ZenMLResource)
    }
    replace_rules = {
        name: rules
        for name, resource in resources.items()
        if (rules := getattr(resource, "replace_on_key_change", None))
    }
    defaults = {
        name: {
            a.name: a.default
            for a in resource.get_schema().attributes
            if a.computed and a.optional and a.default is not Unknown
        }
        for name, resource in resources.items()
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
            defaults_of = defaults.get(request.type_name)
            if defaults_of and request.prior_state.msgpack:
                # an attribute with a default that the configuration leaves out takes the
                # default in an update too (Terraform proposes the prior value)
                config = read_dynamic_value(request.config)
                wanted = read_dynamic_value(request.proposed_new_state)
                if isinstance(config, dict) and isinstance(wanted, dict):
                    for attr, value in defaults_of.items():
                        if config.get(attr) is None:
                            wanted[attr] = value
                    request.proposed_new_state.CopyFrom(to_dynamic_value(wanted))
            resp = super().PlanResourceChange(request, context)
            prior = read_dynamic_value(request.prior_state)
            proposed = read_dynamic_value(request.proposed_new_state)
            if not isinstance(prior, dict) or not isinstance(proposed, dict):
                return resp
            resource = resources.get(request.type_name)
            if resource is not None and resp.requires_replace:
                # a change between two values the server holds as one is an update
                keep = [
                    p
                    for p in resp.requires_replace
                    if not (
                        len(p.steps) == 1
                        and resource.same_on_server(
                            attr := p.steps[0].attribute_name,
                            prior.get(attr),
                            proposed.get(attr),
                            proposed,
                        )
                    )
                ]
                del resp.requires_replace[:]
                resp.requires_replace.extend(keep)
            rules = replace_rules.get(request.type_name)
            for attr, keys in (rules or {}).items():
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
