"""GANs on Fashion-MNIST: the 2014 GAN, DCGAN and a conditional GAN, and the latent-space API."""

from core.gan.models import ConditionalGenerator, DCGANGenerator, MLPGenerator
from core.gan.sample import ARCHS, Sampler, load_generator

__all__ = ["ARCHS", "ConditionalGenerator", "DCGANGenerator", "MLPGenerator", "Sampler", "load_generator"]
