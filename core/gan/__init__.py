"""GANs on Fashion-MNIST: the 2014 GAN, DCGAN and a conditional GAN (`core.gan.models`), sampling
(`core.gan.sample`), what the explorer shows (`core.gan.explore`, `core.gan.render`, `core.gan.timeline`) and the
task contract (`core.gan.task`)."""
