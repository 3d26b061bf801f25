"""Tangential shear of an NFW halo (Wright & Brainerd 2000, eqs. 14-16), written from the paper for checks of
`lofimap profile`: M200 with respect to the critical density at the lens redshift, distances from astropy."""
import numpy as np
import astropy.constants as const
import astropy.units as u
from astropy.cosmology import FlatLambdaCDM

# lofimap's default cosmology (Planck 2015 / IllustrisTNG), without radiation as lofimap's background has none.
TNG = FlatLambdaCDM(H0=67.74, Om0=0.3089, Tcmb0=0)


def _g_less(x):
    a = np.arctanh(np.sqrt((1 - x) / (1 + x)))
    return (8 * a / (x**2 * np.sqrt(1 - x**2)) + 4 / x**2 * np.log(x / 2) - 2 / (x**2 - 1)
            + 4 * a / ((x**2 - 1) * np.sqrt(1 - x**2)))


def _g_more(x):
    a = np.arctan(np.sqrt((x - 1) / (1 + x)))
    return (8 * a / (x**2 * np.sqrt(x**2 - 1)) + 4 / x**2 * np.log(x / 2) - 2 / (x**2 - 1)
            + 4 * a / (x**2 - 1) ** 1.5)


def gamma_t(theta_arcmin, m200_msun, c200, z_lens, z_source, cosmo=TNG):
    theta = np.asarray(theta_arcmin, dtype=float)
    rho_c = cosmo.critical_density(z_lens).to(u.Msun / u.Mpc**3).value
    r200 = (3 * m200_msun / (4 * np.pi * 200 * rho_c)) ** (1 / 3)
    r_s = r200 / c200
    delta_c = 200 / 3 * c200**3 / (np.log(1 + c200) - c200 / (1 + c200))
    d_l = cosmo.angular_diameter_distance(z_lens).to(u.Mpc).value
    d_s = cosmo.angular_diameter_distance(z_source).to(u.Mpc).value
    d_ls = cosmo.angular_diameter_distance_z1z2(z_lens, z_source).to(u.Mpc).value
    G = const.G.to(u.Mpc**3 / u.Msun / u.s**2).value
    c = const.c.to(u.Mpc / u.s).value
    sigma_cr = c**2 / (4 * np.pi * G) * d_s / (d_l * d_ls)
    x = theta / 60 * np.pi / 180 * d_l / r_s
    g = np.where(x < 1, _g_less(np.minimum(x, 1 - 1e-12)), _g_more(np.maximum(x, 1 + 1e-12)))
    return r_s * delta_c * rho_c / sigma_cr * g
