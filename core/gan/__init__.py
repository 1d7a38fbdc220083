"""GANs on Fashion-MNIST: the 2014 GAN, DCGAN and a conditional GAN, and the latent-space API."""

from core.gan.models import ConditionalGenerator, DCGANGenerator, MLPGenerator
from core.gan.sample import Sampler, load_generator
from core.gan.task import TASK

__all__ = ["TASK", "ConditionalGenerator", "DCGANGenerator", "MLPGenerator", "Sampler", "load_generator"]
