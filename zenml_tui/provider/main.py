"""Run the provider as a Terraform plugin (go-plugin over gRPC, protocol 6)."""

from __future__ import annotations

import sys


def main() -> None:
    import tf.provider as tf_provider
    from tf.runner import run_provider
    from tf.types import Unknown
    from tf.utils import _to_attribute_path, read_dynamic_value

    from zenml_tui.provider.provider import ZenMLProvider

    base = tf_provider.ProviderServicer

    class ZenMLServicer(base):  # type: ignore[misc,valid-type]
        """Adds replace rules on map keys, which `tf` has no way to express: a stack whose
        orchestrator or artifact store changes is replaced."""

        def PlanResourceChange(self, request, context):
            resp = super().PlanResourceChange(request, context)
            klass = self._get_res_cls(request.type_name)
            rules = getattr(klass, "replace_on_key_change", None)
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
                        resp.requires_replace.append(_to_attribute_path([attr, (key,)]))
            return resp

    # run_provider builds its servicer from this module attribute
    tf_provider.ProviderServicer = ZenMLServicer
    run_provider(ZenMLProvider(), sys.argv)


if __name__ == "__main__":  # pragma: no cover
    main()
