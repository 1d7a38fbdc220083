"""Fashion-MNIST classification: data (`core.fashion.data`), the classic baselines to a strong small CNN
(`core.fashion.models`), classifying a user's image (`core.fashion.predict`) and the task contract
(`core.fashion.task`)."""
