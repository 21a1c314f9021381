namespace Strata.Evaluation.Ratings;

/// <summary>
/// Newton's method on the L2-penalized logistic negative log-likelihood of <see cref="Observations"/>:
/// <code>
/// f(θ, β) = Σ_r [ Won_r · softplus(−η_r) + Lost_r · softplus(η_r) ] + λ/2 · (Σ_m θ_m² + Σ_k β_k²)
/// η_r     = θ[First_r] − θ[Second_r] + Σ_k β_k · z_rk,      softplus(x) = ln(1 + eˣ) = −ln σ(−x)
/// </code>
/// θ (one strength per model, natural log-odds) and β (one coefficient per style covariate) are solved jointly. f is
/// strictly convex for λ &gt; 0, so the minimizer is unique; shifting every θ by c leaves the likelihood unchanged and
/// adds to the penalty, so at the minimizer Σθ = 0 (within each connected group of models that met).
/// </summary>
/// <remarks>
/// The parameters are few (models + 4), so each iteration builds the dense Hessian in O(rows) and solves it by
/// Cholesky; a backtracking line search keeps the first steps from overshooting when the data are nearly separable (a
/// model that won every battle), and near the optimum full steps converge quadratically.
/// </remarks>
internal static class BradleyTerrySolver
{
    private const int MaxIterations = 200;

    /// <summary>Stop once no parameter moves by more than this (log-odds; 2e-8 Elo points).</summary>
    private const double StepTolerance = 1e-10;

    /// <summary>Returns [θ_0 … θ_{models−1}, β_0 … β_{K−1}] minimizing f, starting from <paramref name="start"/> (zeros when null).</summary>
    public static double[] Minimize(Observations rows, int models, double lambda, double[]? start = null)
    {
        int d = models + rows.FeatureCount;
        double[] x = start is null ? new double[d] : (double[])start.Clone();
        var gradient = new double[d];
        var hessian = new double[d * d];
        var step = new double[d];
        var trial = new double[d];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            GradientAndHessian(rows, models, lambda, x, gradient, hessian);
            CholeskyInPlace(hessian, d);
            for (int i = 0; i < d; i++) step[i] = -gradient[i];
            CholeskySolve(hessian, d, step);
            double decrement = 0;
            for (int i = 0; i < d; i++) decrement -= gradient[i] * step[i];
            double t = 1;
            // Far from the optimum (decrement large) a full step can overshoot; close to it f changes by about
            // decrement/2, below what the line search can resolve in floating point, and full steps are safe.
            if (decrement > 1e-8)
            {
                double f0 = Objective(rows, models, lambda, x);
                while (true)
                {
                    for (int i = 0; i < d; i++) trial[i] = x[i] + t * step[i];
                    if (Objective(rows, models, lambda, trial) <= f0 - 1e-4 * t * decrement || t < 1e-10) break;
                    t /= 2;
                }
            }
            double largest = 0;
            for (int i = 0; i < d; i++)
            {
                x[i] += t * step[i];
                largest = Math.Max(largest, Math.Abs(t * step[i]));
            }
            if (largest < StepTolerance) return x;
        }
        throw new InvalidOperationException($"Bradley–Terry fit did not converge in {MaxIterations} Newton iterations");
    }

    /// <summary>f at <paramref name="x"/> (see the class summary).</summary>
    public static double Objective(Observations rows, int models, double lambda, double[] x)
    {
        double f = 0;
        for (int i = 0; i < x.Length; i++) f += 0.5 * lambda * x[i] * x[i];
        for (int r = 0; r < rows.Count; r++)
        {
            double eta = LogOdds(rows, models, x, r);
            f += rows.Won[r] * Softplus(-eta) + rows.Lost[r] * Softplus(eta);
        }
        return f;
    }

    /// <summary>
    /// ∂f/∂η_r = (Won + Lost)·σ(η) − Won and ∂²f/∂η_r² = (Won + Lost)·σ(η)·σ(−η), spread over the row's parameters
    /// (+1 for First, −1 for Second, z for β). Only the lower triangle of the Hessian is written: Cholesky reads no more.
    /// </summary>
    private static void GradientAndHessian(Observations rows, int models, double lambda, double[] x, double[] gradient, double[] hessian)
    {
        int d = x.Length;
        int k = rows.FeatureCount;
        Array.Clear(hessian);
        for (int i = 0; i < d; i++)
        {
            gradient[i] = lambda * x[i];
            hessian[i * d + i] = lambda;
        }
        for (int r = 0; r < rows.Count; r++)
        {
            double total = rows.Won[r] + rows.Lost[r];
            if (total <= 0) continue;
            double p = Sigmoid(LogOdds(rows, models, x, r));
            double g = total * p - rows.Won[r];
            double h = total * p * (1 - p);
            int a = rows.First[r], b = rows.Second[r];
            gradient[a] += g;
            gradient[b] -= g;
            hessian[a * d + a] += h;
            hessian[b * d + b] += h;
            hessian[Math.Max(a, b) * d + Math.Min(a, b)] -= h;
            for (int f = 0; f < k; f++)
            {
                double z = rows.Features![r * k + f];
                int row = models + f;
                gradient[row] += g * z;
                hessian[row * d + a] += h * z;
                hessian[row * d + b] -= h * z;
                for (int f2 = 0; f2 <= f; f2++) hessian[row * d + models + f2] += h * z * rows.Features[r * k + f2];
            }
        }
    }

    private static double LogOdds(Observations rows, int models, double[] x, int r)
    {
        double eta = x[rows.First[r]] - x[rows.Second[r]];
        int k = rows.FeatureCount;
        for (int f = 0; f < k; f++) eta += x[models + f] * rows.Features![r * k + f];
        return eta;
    }

    /// <summary>ln(1 + eˣ) without overflow for large x (only differences of f matter, so ln(1 + tiny) rounding to 0 is harmless).</summary>
    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    private static double Sigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>Overwrites the lower triangle of the symmetric positive-definite <paramref name="a"/> with L, a = L·Lᵀ.</summary>
    private static void CholeskyInPlace(double[] a, int n)
    {
        for (int j = 0; j < n; j++)
        {
            double diagonal = a[j * n + j];
            for (int k = 0; k < j; k++) diagonal -= a[j * n + k] * a[j * n + k];
            // λ > 0 makes the Hessian positive definite; a non-positive pivot means non-finite input.
            if (!(diagonal > 0)) throw new InvalidOperationException("Bradley–Terry Hessian is not positive definite (non-finite weights or covariates?)");
            double l = Math.Sqrt(diagonal);
            a[j * n + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double sum = a[i * n + j];
                for (int k = 0; k < j; k++) sum -= a[i * n + k] * a[j * n + k];
                a[i * n + j] = sum / l;
            }
        }
    }

    /// <summary>Solves L·Lᵀ·v = b in place, L from <see cref="CholeskyInPlace"/>.</summary>
    private static void CholeskySolve(double[] l, int n, double[] b)
    {
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i * n + k] * b[k];
            b[i] = sum / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = b[i];
            for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * b[k];
            b[i] = sum / l[i * n + i];
        }
    }
}
